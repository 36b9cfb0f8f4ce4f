import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import {
  quarantineValue,
  setfattrRestoreInput,
  whereFromsPlist,
  zoneIdentifier,
  type OriginFacts,
} from './origin-mark.ts'

export type OriginMarkerOptions = {
  platform: NodeJS.Platform
  /** One line for the engine's log; called rarely (see #report). */
  log: (message: string) => void
  /** How long completions gather before one batch is written. */
  batchMs?: number
  /** The programs, for tests; defaults: `setfattr` on PATH, `/usr/bin/xattr`. */
  setfattr?: string
  xattr?: string
  /** The agent named in macOS's quarantine record. */
  agent?: string
}

/**
 * How long completions gather before one batch is written, per OS. On Linux each batch costs a
 * process (fork of the engine host, exec of setfattr); the xattrs are information for file
 * managers and `getfattr`, not a gate, so a second's delay costs nothing and keeps W2 (2,000
 * small files) at a handful of processes instead of one per 200 ms (docs/benchmarks.md). On
 * macOS and Windows the mark is what Gatekeeper and SmartScreen check when the file is opened:
 * it follows completion closely.
 */
const BATCH_MS: Partial<Record<NodeJS.Platform, number>> = { linux: 1000 }
const DEFAULT_BATCH_MS = 200
const MAX_BATCH = 2000
/** Failures logged per process; after that one line says the rest are not. */
const MAX_REPORTS = 5
/** Paths per `xattr -w` call: far below any argument-length limit. */
const XATTR_PATHS_PER_CALL = 100
/** A tool stuck on a hung network mount must not hold up the engine's shutdown. */
const TOOL_TIMEOUT_MS = 10_000

/**
 * Writes each completed file's origin mark (origin-mark.ts says what, per OS), best effort and
 * off the download's path: `mark` only queues; batches are written in the background, one at a
 * time, with one process per batch on Linux (`setfattr --restore=-`) instead of one per file.
 * No native module (Node has no xattr API): the OS's own tools on Linux and macOS, an NTFS
 * stream on Windows. A failure (tool missing, a file system without user xattrs or streams, a
 * file already removed) never fails a download: it is logged, a few times per process.
 *
 * A crash between a file's final rename and its batch leaves that file unmarked.
 */
export class OriginMarker {
  #options: OriginMarkerOptions
  #pending: OriginFacts[] = []
  #timer: NodeJS.Timeout | null = null
  #writing: Promise<void> = Promise.resolve()
  #disabled = false
  #reports = 0

  constructor(options: OriginMarkerOptions) {
    this.#options = options
  }

  /** Queues `facts.path` to be marked; returns at once. */
  mark(facts: OriginFacts): void {
    if (this.#disabled || !supported(this.#options.platform)) return
    this.#pending.push(facts)
    if (this.#pending.length >= MAX_BATCH) void this.flush()
    else if (!this.#timer) {
      this.#timer = setTimeout(
        () => void this.flush(),
        this.#options.batchMs ?? BATCH_MS[this.#options.platform] ?? DEFAULT_BATCH_MS,
      )
      this.#timer.unref()
    }
  }

  /** Writes everything queued so far; resolves when it is written (or has failed). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const batch = this.#pending
    this.#pending = []
    if (batch.length > 0) {
      this.#writing = this.#writing.then(() =>
        this.#write(batch).catch((error: unknown) =>
          this.#report(`cannot mark downloaded files with their origin: ${String(error)}`),
        ),
      )
    }
    return this.#writing
  }

  #write(batch: OriginFacts[]): Promise<void> {
    switch (this.#options.platform) {
      case 'linux':
        return this.#writeLinux(batch)
      case 'darwin':
        return this.#writeMac(batch)
      case 'win32':
        return this.#writeWindows(batch)
      default:
        return Promise.resolve()
    }
  }

  async #writeLinux(batch: OriginFacts[]): Promise<void> {
    const input = setfattrRestoreInput(batch)
    if (input === '') return
    const result = await run(this.#options.setfattr ?? 'setfattr', ['--restore=-'], input)
    if (result.missing) {
      this.#disabled = true
      this.#options.log(
        'downloaded files are not marked with their origin: setfattr is not installed (Debian and Ubuntu: apt install attr)',
      )
    } else if (result.code !== 0) {
      this.#report(`cannot mark some downloaded files with their origin: ${result.stderr}`)
    }
  }

  async #writeMac(batch: OriginFacts[]): Promise<void> {
    const xattr = this.#options.xattr ?? '/usr/bin/xattr'
    const value = quarantineValue(Date.now(), this.#options.agent ?? 'Downpour', randomUUID())
    for (let i = 0; i < batch.length; i += XATTR_PATHS_PER_CALL) {
      const paths = batch.slice(i, i + XATTR_PATHS_PER_CALL).map((f) => f.path)
      const result = await run(xattr, ['-w', 'com.apple.quarantine', value, ...paths], null)
      if (result.missing) {
        this.#disabled = true
        this.#options.log(`downloaded files are not marked with their origin: no ${xattr}`)
        return
      }
      if (result.code !== 0) this.#report(`cannot quarantine downloaded files: ${result.stderr}`)
    }
    for (const facts of batch) {
      const plist = whereFromsPlist(facts)
      if (!plist) continue
      const args = [
        '-wx',
        'com.apple.metadata:kMDItemWhereFroms',
        plist.toString('hex'),
        facts.path,
      ]
      const result = await run(xattr, args, null)
      if (result.code !== 0) this.#report(`cannot record where a file came from: ${result.stderr}`)
    }
  }

  async #writeWindows(batch: OriginFacts[]): Promise<void> {
    for (const facts of batch) {
      // An NTFS alternate data stream: `file:stream`. FAT and network shares refuse it.
      await writeFile(`${facts.path}:Zone.Identifier`, zoneIdentifier(facts)).catch(
        (error: NodeJS.ErrnoException) =>
          this.#report(`cannot write the Mark of the Web of ${facts.path}: ${error.code}`),
      )
    }
  }

  #report(message: string): void {
    this.#reports++
    if (this.#reports <= MAX_REPORTS) this.#options.log(message)
    if (this.#reports === MAX_REPORTS)
      this.#options.log('further failures to mark downloaded files are not logged')
  }
}

function supported(platform: NodeJS.Platform): boolean {
  return platform === 'linux' || platform === 'darwin' || platform === 'win32'
}

type RunResult = { code: number | null; stderr: string; missing: boolean }

/** Runs a program with `input` on stdin; never rejects. Keeps the first line of stderr. */
function run(command: string, args: string[], input: string | null): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: [input === null ? 'ignore' : 'pipe', 'ignore', 'pipe'],
      windowsHide: true,
    })
    // Our own timer, unref'd and cleared on every ending: spawn's `timeout` option keeps a ref'd
    // timer when the program is missing (no 'exit' follows ENOENT), which held every
    // `downpour get` on a machine without setfattr open for 10 s after its last download.
    const timer = setTimeout(() => child.kill('SIGKILL'), TOOL_TIMEOUT_MS)
    timer.unref()
    child.once('error', () => clearTimeout(timer))
    child.once('close', () => clearTimeout(timer))
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 2000) stderr += chunk
    })
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: null, stderr: error.message, missing: error.code === 'ENOENT' }),
    )
    child.on('close', (code) =>
      resolve({ code, stderr: stderr.split('\n')[0]?.trim() ?? '', missing: false }),
    )
    if (input !== null && child.stdin) {
      // The program may exit before reading everything (EPIPE): its exit code says what failed.
      child.stdin.on('error', () => {})
      child.stdin.end(input)
    }
  })
}
