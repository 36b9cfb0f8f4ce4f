import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // Engine tests run real servers, real files and child processes: give them room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll waits for something that will happen (a host's exit, a listener): its
    // default of 1 s was missed under a load average of 13 (a child process not yet scheduled).
    // A deadline for an outcome, not a speed limit: a passing poll returns as soon as it holds.
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
    reporters: ['default'],
  },
})
