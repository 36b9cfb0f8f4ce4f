import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter'

/**
 * Prints why each skipped test was skipped. The list reporter only marks them with "-", and a
 * skipped test must never be silent about its reason.
 */
export default class SkipReasonsReporter implements Reporter {
  #lines: string[] = []

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== 'skipped') return
    const reason = test.annotations.find((a) => a.type === 'skip')?.description ?? 'no reason given'
    this.#lines.push(
      `  skipped: ${test.titlePath().filter(Boolean).join(' › ')}\n           ${reason}`,
    )
  }

  onEnd(): void {
    if (this.#lines.length)
      process.stdout.write(`\nSkipped tests and why:\n${this.#lines.join('\n')}\n`)
  }

  printsToStdio(): boolean {
    return true
  }
}
