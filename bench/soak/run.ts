// npm run soak [-- --rounds N --files N --seed N --interruptions N --keep]
//
// Each round: a fresh folder, the real CLI (`downpour get -i list -d DIR -j 16 --state-dir S`)
// against a local fault server serving a mixed list, interrupted at random moments (kill -9,
// SIGTERM, SIGINT), then run to completion; then every file's sha256, no ` (1)` copies, no
// `.part`/control/temp files, nothing beside the folder, the exit codes. Prints one line per
// round and a one-line verdict with the re-fetch figure (bytes the server sent / list size).
// Exit code 0 when every round passed, 1 otherwise. The seed replays a round exactly (list,
// moments and signals; the CLI's own timing still varies).
import { parseArgs } from 'node:util'
import { countProblems, type FolderProblems } from './soak-check.ts'
import { runSoak, type RoundResult, type SoakOptions } from './soak-run.ts'

const MiB = 1024 * 1024

function parseOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '20' },
      files: { type: 'string', default: '2000' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
      interruptions: { type: 'string', default: '2' },
      'min-delay': { type: 'string', default: '500' },
      // A 2,000-file list takes ~30 s here: its interruptions come in the first 8 s or so.
      'max-delay': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  })
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text)
    if (!Number.isSafeInteger(n) || n < min) {
      console.error(`--${name} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`)
      process.exit(2)
    }
    return n
  }
  const minDelayMs = int('min-delay', values['min-delay'], 0)
  const files = int('files', values.files, 1)
  const maxDelayMs = int(
    'max-delay',
    values['max-delay'] ?? String(Math.max(minDelayMs, 1500, 4 * files)),
    minDelayMs,
  )
  return {
    rounds: int('rounds', values.rounds, 1),
    files,
    seed: int('seed', values.seed, 0),
    interruptions: int('interruptions', values.interruptions, 0),
    minDelayMs,
    maxDelayMs,
    keep: values.keep,
  }
}

/** One line per round: what interrupted it, how it ended, what was found. */
export function roundLine(r: RoundResult): string {
  const stops = r.interruptions
    .map((i) => `${i.signal}@${(i.atMs / 1000).toFixed(1)}s→${i.outcome}${i.ok ? '' : ' (BAD)'}`)
    .join(', ')
  const known = [
    r.kinds.halfPublished ? `${r.kinds.halfPublished} .part hard-linked to its final name` : '',
    r.kinds.emptyOrphans ? `${r.kinds.emptyOrphans} empty orphan .part` : '',
  ].filter(Boolean)
  const found = problemSummary(r.problems) + (known.length ? ` [${known.join(', ')}]` : '')
  return (
    `round ${r.round} ${r.ok ? 'ok' : 'FAILED'} (seed ${r.seed}, ${(r.wallMs / 1000).toFixed(0)} s): ` +
    `${stops || 'no interruption'}; final ${r.finalExit}; re-fetch ${(r.servedBytes / r.totalBytes).toFixed(3)}×` +
    (found ? `; ${found}` : '') +
    (r.ok ? '' : `; kept in ${r.root}`)
  )
}

function problemSummary(p: FolderProblems): string {
  const parts: string[] = []
  const show = (label: string, list: string[]) => {
    if (list.length)
      parts.push(
        `${list.length} ${label} (${list.slice(0, 4).join(', ')}${list.length > 4 ? ', …' : ''})`,
      )
  }
  show('wrong', p.wrong)
  show('missing', p.missing)
  show('copies', p.copies)
  show('leftovers', p.leftovers)
  show('unexpected', p.unexpected)
  return parts.join('; ')
}

export function verdictLine(results: RoundResult[], options: SoakOptions): string {
  const sum = (f: (r: RoundResult) => number) => results.reduce((s, r) => s + f(r), 0)
  const signals = new Map<string, number>()
  for (const r of results)
    for (const i of r.interruptions) signals.set(i.signal, (signals.get(i.signal) ?? 0) + 1)
  const served = sum((r) => r.servedBytes)
  const size = sum((r) => r.totalBytes)
  const failed = results.filter((r) => !r.ok).length
  const worst = Math.max(...results.map((r) => r.servedBytes / r.totalBytes))
  return (
    `soak ${failed === 0 ? 'PASS' : 'FAIL'}: ${results.length} rounds × ${options.files} files (seed ${options.seed}; ` +
    `${[...signals].map(([s, n]) => `${n} ${s}`).join(', ') || 'no interruptions'}) · ` +
    `${sum((r) => r.problems.wrong.length)} wrong, ${sum((r) => r.problems.missing.length)} missing, ` +
    `${sum((r) => r.problems.copies.length)} copies, ${sum((r) => r.problems.leftovers.length)} leftovers, ` +
    `${sum((r) => r.problems.unexpected.length)} unexpected, ` +
    `${sum((r) => r.interruptions.filter((i) => !i.ok).length + (r.finalOk ? 0 : 1))} bad exits · ` +
    `re-fetch ${(served / size).toFixed(3)}× (${(served / MiB).toFixed(0)} MiB served for ${(size / MiB).toFixed(0)} MiB; worst round ${worst.toFixed(3)}×)` +
    (failed ? ` · ${failed} rounds failed` : '')
  )
}

if (import.meta.main) {
  const options = parseOptions(process.argv.slice(2))
  console.log(
    `soak: ${options.rounds} rounds × ${options.files} files, ${options.interruptions} interruptions each at ` +
      `${options.minDelayMs}–${options.maxDelayMs} ms, seed ${options.seed}`,
  )
  const results = await runSoak(options, (r) => console.log(roundLine(r)))
  console.log(verdictLine(results, options))
  process.exitCode = results.every((r) => r.ok && countProblems(r.problems) === 0) ? 0 : 1
}
