import { chromium, type Browser } from '@playwright/test'

/**
 * Debian's Chromium as the UI benchmarks start it: the flags of playwright.config.ts (no
 * background networking on a closed network) plus precise memory figures for the heap budgets.
 */
export function launchBenchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.DOWNPOUR_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--enable-precise-memory-info',
    ],
  })
}
