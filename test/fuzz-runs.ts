/**
 * How many cases a trust-boundary fuzzer runs: `ci` (a few thousand: CI stays fast), or
 * `DOWNPOUR_FUZZ_RUNS=N` for the longer run before an issue is resolved. The seed fast-check
 * prints on a failure replays it (`fc.assert(..., { seed, path })`).
 */
export function fuzzRuns(ci: number): { numRuns: number } {
  const asked = Number(process.env['DOWNPOUR_FUZZ_RUNS'])
  return { numRuns: Number.isInteger(asked) && asked > 0 ? asked : ci }
}

/** A vitest timeout that grows with the runs asked for (a long run must not time out). */
export function fuzzTimeout(ci: number, msAtCi: number): number {
  return Math.max(msAtCi, Math.ceil((fuzzRuns(ci).numRuns / ci) * msAtCi))
}
