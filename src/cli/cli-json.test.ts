import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useCli } from '../../test/run-cli.ts'

// docs/cli-json.md is the contract of `downpour get --json`: this reads its example lines and
// checks that what the real CLI writes has their shapes (the same fields, of the same types),
// that every documented event occurs and no undocumented one, and the stream's rules.
const { server, dirs, start } = useCli()
const KiB = 1024

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Event = { event: string; version: number } & Record<string, Json>

async function documentation(): Promise<{ examples: Map<string, Event>; optional: Set<string> }> {
  const text = await readFile(join(import.meta.dirname, '..', '..', 'docs', 'cli-json.md'), 'utf8')
  const block = /```ndjson\n([\s\S]*?)```/.exec(text)?.[1]
  if (!block) throw new Error('docs/cli-json.md has no ndjson example block')
  const examples = new Map<string, Event>()
  for (const line of block.trim().split('\n')) {
    const event = JSON.parse(line) as Event
    examples.set(event.event, event)
  }
  const optionalLine = /^Optional fields[^\n]*(?:\n(?!\n)[^\n]*)*/m.exec(text)?.[0] ?? ''
  const optional = new Set([...optionalLine.matchAll(/`(\w+)`/g)].map((m) => m[1]!))
  return { examples, optional }
}

/** Where `real` departs from the shape of `example` (null stands for any type, both ways). */
function shapeProblems(example: Json, real: Json, optional: Set<string>, at: string): string[] {
  if (example === null || real === null) return []
  if (Array.isArray(example) || Array.isArray(real)) {
    if (!Array.isArray(example) || !Array.isArray(real)) return [`${at}: array vs not`]
    if (example.length === 0 || real.length === 0) return []
    return real.flatMap((item, i) => shapeProblems(example[0]!, item, optional, `${at}[${i}]`))
  }
  if (typeof example !== typeof real) return [`${at}: ${typeof real}, documented ${typeof example}`]
  if (typeof example !== 'object') return []
  const e = example as Record<string, Json>
  const r = real as Record<string, Json>
  const problems: string[] = []
  for (const key of Object.keys(r))
    if (!(key in e) && !optional.has(key)) problems.push(`${at}.${key}: not documented`)
  for (const key of Object.keys(e))
    if (!(key in r) && !optional.has(key)) problems.push(`${at}.${key}: documented, missing`)
    else if (key in r) problems.push(...shapeProblems(e[key]!, r[key]!, optional, `${at}.${key}`))
  return problems
}

function eventsOf(stdout: string): Event[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Event)
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('downpour get --json against docs/cli-json.md', () => {
  it('every event has a documented shape, every documented event occurs, one summary ends each run, none twice', async () => {
    const { examples, optional } = await documentation()
    expect(optional.has('lastByteAt')).toBe(true)
    server.file('/small.bin', makeBody(1000, 1))
    server.file('/mirrored.bin', makeBody(1500, 3))
    server.file('/slow.bin', makeBody(1024 * KiB, 2), { rateLimit: 128 * KiB })
    const list = join(dirs.root, 'list.txt')
    const lines = [
      server.url('/small.bin'),
      server.url('/slow.bin'),
      server.url('/gone.bin'),
      'not a url',
      server.url('/small.bin'),
      // A mirror that is not there (404): dropped, the file comes from its first URL.
      `${server.url('/mirrored.bin')}\t${server.url('/mirror.bin')}`,
      ' continue=true',
    ]
    await (await import('node:fs/promises')).writeFile(list, lines.join('\n'))

    // Run 1, interrupted once small.bin completed and slow.bin is under way.
    const first = start(['--json', '-i', list])
    let out = ''
    first.child.stdout!.on('data', (d) => (out += d))
    await until(
      () =>
        /"name":"small.bin","state":"completed"/.test(out) && /"event":"progress\/beat"/.test(out),
      'small.bin completed and a progress beat',
    )
    first.child.kill('SIGINT')
    const one = await first.done
    expect(one.code).toBe(130)
    // Run 2: the same command finds small.bin complete, continues slow.bin and retries gone.bin.
    server.file('/slow.bin', makeBody(1024 * KiB, 2))
    const two = await start(['--json', '-i', list]).done
    expect(two.code).toBe(3)

    const seen = new Set<string>()
    for (const run of [one, two]) {
      const events = eventsOf(run.stdout)
      const lines = run.stdout.trim().split('\n')
      expect(new Set(lines).size, 'no line twice').toBe(lines.length)
      expect(events.filter((e) => e.event === 'run/summary')).toHaveLength(1)
      expect(events.at(-1)!.event).toBe('run/summary')
      expect(events.at(-1)!.exitCode).toBe(run.code)
      for (const event of events) {
        expect(event.version).toBe(1)
        const example = examples.get(event.event)
        expect(example, `${event.event} is documented`).toBeDefined()
        expect(shapeProblems(example!, event, optional, event.event)).toEqual([])
        seen.add(event.event)
      }
      // A download's first event is its added/continued/already-complete.
      const introduced = new Set<string>()
      for (const event of events) {
        const id = (event.download as { id?: string } | undefined)?.id
        if (!id) continue
        if (/^download\/(added|continued|already-complete)$/.test(event.event)) introduced.add(id)
        else
          expect(introduced.has(id), `${event.event} before its download was introduced`).toBe(true)
      }
      // One event per ending: a download completes or fails once.
      const endings = events
        .filter((e) => e.event === 'download/changed')
        .map((e) => e.download as { id: string; state: string })
        .filter((d) => d.state === 'completed' || d.state === 'failed')
        .map((d) => `${d.id} ${d.state}`)
      expect(new Set(endings).size).toBe(endings.length)
    }
    expect([...seen].sort()).toEqual([...examples.keys()].sort())
    expect(eventsOf(one.stdout).at(-1)).toMatchObject({ interrupted: true, exitCode: 130 })
    expect(eventsOf(two.stdout).at(-1)).toMatchObject({
      completed: 3,
      failed: 1,
      rejected: 1,
      interrupted: false,
    })
  })

  it('bad usage still ends the stream with one run/summary (exit 28)', async () => {
    const result = await start(['--json', 'not a url']).done
    expect(result.code).toBe(28)
    const events = eventsOf(result.stdout)
    expect(events.map((e) => e.event)).toEqual(['input/rejected', 'run/summary'])
    expect(events[1]).toMatchObject({ exitCode: 28, rejected: 1, completed: 0 })
  })
})
