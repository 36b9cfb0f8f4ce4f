import type { IncomingMessage, ServerResponse } from 'node:http'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { useCli } from '../../test/run-cli.ts'

// A chunked answer (no Content-Length) that says `Accept-Ranges: bytes`: the server does ranges,
// it just did not say how long the file is (made on the fly, or sent by a proxy that streams).
// wget continues such a download after a lost connection with `Range: bytes=N-`; so does
// Downpour, and it does not call such a server one that "does not support ranges".
const { server, dirs, start } = useCli()
const KiB = 1024

/** Chunked, ranges advertised; the first answer is cut after `cut` bytes. */
function chunkedServer(body: Buffer, cut: number, honoursRanges: boolean) {
  let answers = 0
  return (req: IncomingMessage, res: ServerResponse) => {
    answers++
    const from = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1]
    if (from !== undefined && honoursRanges) {
      const start = Number(from)
      res.writeHead(206, {
        'Accept-Ranges': 'bytes',
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'Transfer-Encoding': 'chunked',
      })
      res.end(body.subarray(start))
      return
    }
    res.writeHead(200, { 'Accept-Ranges': 'bytes', 'Transfer-Encoding': 'chunked' })
    if (answers > 1) {
      res.end(body)
      return
    }
    res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 50))
  }
}

describe('downpour get: a chunked answer from a server that does ranges', () => {
  it('a connection reset midway is continued with a Range where the server honours it (as wget does)', async () => {
    const body = makeBody(600 * KiB, 3)
    server.handle('/c.bin', chunkedServer(body, 200 * KiB, true))
    const result = await start([server.url('/c.bin')]).done
    expect(result.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'c.bin'))).toBe(sha256(body))
    const requests = server.requests('/c.bin')
    expect(requests).toHaveLength(2)
    expect(requests[1]!.range?.start).toBeGreaterThan(0)
    expect(`${result.stdout}${result.stderr}`).not.toContain('does not support ranges')
    expect(result.stdout).toContain('c.bin: the server sent no length (a chunked answer)')
  })

  it('where the server answers the Range with the whole file again, it starts over and saves the right bytes', async () => {
    const body = makeBody(600 * KiB, 4)
    server.handle('/d.bin', chunkedServer(body, 200 * KiB, false))
    const result = await start([server.url('/d.bin')]).done
    expect(result.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'd.bin'))).toBe(sha256(body))
    expect(server.requests('/d.bin')[1]!.range?.start).toBeGreaterThan(0)
  })
})

/**
 * Chunked with ranges advertised and honoured; the first answer sends `cut` bytes of `first` and
 * then holds the connection (the CLI is killed meanwhile); later answers are `later` whole.
 */
function stallingChunkedServer(first: Buffer, later: Buffer, cut: number, onCut: () => void) {
  let answers = 0
  return (req: IncomingMessage, res: ServerResponse) => {
    answers++
    const from = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1]
    if (from !== undefined) {
      const start = Number(from)
      res.writeHead(206, {
        'Accept-Ranges': 'bytes',
        'Content-Range': `bytes ${start}-${later.length - 1}/${later.length}`,
        'Transfer-Encoding': 'chunked',
      })
      res.end(later.subarray(start))
      return
    }
    res.writeHead(200, { 'Accept-Ranges': 'bytes', 'Transfer-Encoding': 'chunked' })
    if (answers > 1) res.end(later)
    else res.write(first.subarray(0, cut), onCut)
  }
}

/** Waits (a bounded number of looks) until the run's `.part` holds bytes on disk. */
async function partHasBytes(dir: string): Promise<number> {
  for (let look = 0; look < 400; look++) {
    const part = (await readdir(dir).catch(() => [])).find((n) => n.endsWith('.part'))
    const size = part ? (await stat(join(dir, part))).size : 0
    if (size > 0) return size
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`no .part with bytes in ${dir} after 400 looks`)
}

describe('downpour get: a chunked download killed with SIGKILL and run again', () => {
  for (const changed of [false, true])
    it(`starts over from zero and says so; the file is the server's${changed ? ' (the file changed between the runs)' : ''}`, async () => {
      const first = makeBody(600 * KiB, 5)
      const later = changed ? makeBody(500 * KiB, 6) : first
      let cut!: () => void
      const sent = new Promise<void>((resolve) => (cut = resolve))
      server.handle(
        '/k.bin',
        stallingChunkedServer(first, later, 200 * KiB, () => cut()),
      )
      const run = start([server.url('/k.bin')])
      await sent
      expect(await partHasBytes(dirs.downloads)).toBeGreaterThan(0)
      run.child.kill('SIGKILL')
      expect((await run.done).signal).toBe('SIGKILL')

      const rerun = await start([server.url('/k.bin')]).done
      expect(rerun.code).toBe(0)
      expect(await sha256File(join(dirs.downloads, 'k.bin'))).toBe(sha256(later))
      expect(await readdir(dirs.downloads)).toEqual(['k.bin'])
      // No Range: nothing records which of the kept bytes were durable without a length.
      expect(server.requests('/k.bin').map((r) => r.range)).toEqual([undefined, undefined])
      expect(rerun.stdout).toContain(
        'warning   k.bin: the server sent no length (a chunked answer): what an earlier run received cannot be continued; downloading it again from the start',
      )
      // Said once: not again as the general "pausing starts it over" warning.
      expect(rerun.stdout).not.toContain('pausing starts it over')
    })
})
