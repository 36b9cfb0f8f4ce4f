import { defineConfig } from '@playwright/test'

// Debian's Chromium, never a downloaded browser. Flags per docs/machine notes: without the
// background-networking flags Chromium floods a closed network with refused connections.
export const chromiumPath = process.env.DOWNPOUR_CHROMIUM ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  reporter: [['list'], ['./e2e/skip-reasons-reporter.ts']],
  timeout: 30_000,
  use: {
    headless: true,
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
})
