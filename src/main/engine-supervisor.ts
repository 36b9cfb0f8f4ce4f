import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { dirname } from 'node:path'
import { MessageChannelMain, utilityProcess } from 'electron'
import type { MessagePortMain, UtilityProcess, WebContents } from 'electron'
import type { EngineHostStatus } from '../shared/desktop-bridge.ts'
import { IPC } from '../shared/desktop-bridge.ts'
import { createEngineClient, type EngineClient } from '../shared/protocol/rpc.ts'
import type { HostReport } from '../utility/engine-host.ts'
import { engineForkOptions } from './engine-fork.ts'
import { RestartPolicy } from './restart-policy.ts'
import { StderrTail } from './stderr-tail.ts'

export type EngineSupervisorOptions = {
  /** The built utility entry (`out/main/utility.js`). */
  entry: string
  stateDir: string
  defaultDir: string
  /** The engine's stdout and stderr are appended here. */
  logFile: string
  /** Main's own client, new after every (re)start: tray, progress bar, notifications, paths. */
  onClient: (client: EngineClient) => void
}

/**
 * Runs the engine in a utility process and keeps it running: forks it with the engine-host
 * flags, gives every window that asks its own MessagePort (engine ↔ page directly, never through
 * main), restarts it with backoff when it crashes and re-wires every window, and gives up after
 * 5 crashes within a minute with the tail of its stderr for the window to show. The decisions
 * are RestartPolicy's, StderrTail's and engineForkOptions' (unit-tested); this is the glue.
 */
export class EngineSupervisor {
  #options: EngineSupervisorOptions
  #policy = new RestartPolicy()
  #tail = new StderrTail()
  #log: WriteStream
  #child: UtilityProcess | null = null
  #windows = new Set<WebContents>()
  #status: EngineHostStatus = { kind: 'starting' }
  #stopping = false
  #restartTimer: NodeJS.Timeout | undefined
  #client: EngineClient | null = null
  #exited: Promise<void> = Promise.resolve()

  constructor(options: EngineSupervisorOptions) {
    this.#options = options
    mkdirSync(dirname(options.logFile), { recursive: true })
    this.#log = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 })
  }

  get client(): EngineClient | null {
    return this.#client
  }

  start(): void {
    if (this.#stopping) return
    this.#setStatus(this.#status.kind === 'restarting' ? this.#status : { kind: 'starting' })
    const child = utilityProcess.fork(this.#options.entry, [], engineForkOptions(process.env))
    this.#child = child
    let resolveExit = () => {}
    this.#exited = new Promise((resolve) => (resolveExit = resolve))
    const capture = (chunk: Buffer, isError: boolean) => {
      this.#log.write(chunk)
      if (isError) this.#tail.push(chunk.toString('utf8'))
    }
    child.stdout?.on('data', (chunk: Buffer) => capture(chunk, false))
    child.stderr?.on('data', (chunk: Buffer) => capture(chunk, true))
    child.on('message', (report: HostReport) => {
      if (report?.type === 'ready') this.#setStatus({ kind: 'running' })
      if (report?.type === 'fatal') this.#tail.push(`${report.message}\n`)
    })
    child.on('exit', (code) => {
      resolveExit()
      if (this.#child !== child) return
      this.#child = null
      this.#client?.dispose()
      this.#client = null
      if (this.#stopping) return
      this.#crashed(`the engine stopped unexpectedly (exit code ${code})`)
    })
    child.postMessage({
      type: 'init',
      stateDir: this.#options.stateDir,
      defaultDir: this.#options.defaultDir,
    })
    // Main's own link, then one per window that has asked for one.
    const own = new MessageChannelMain()
    child.postMessage({ type: 'connect' }, [own.port1])
    this.#client = createEngineClient(adaptPort(own.port2))
    this.#options.onClient(this.#client)
    for (const contents of this.#windows) this.#wire(contents)
  }

  /** A page asked for its port (first load or reload): it gets a new one. */
  connectWindow(contents: WebContents): void {
    if (!this.#windows.has(contents)) {
      this.#windows.add(contents)
      contents.once('destroyed', () => this.#windows.delete(contents))
    }
    contents.send(IPC.status, this.#status)
    if (this.#child) this.#wire(contents)
  }

  /** "Restart engine" after giving up: the crash count starts over. */
  restart(): void {
    if (this.#child || this.#stopping) return
    clearTimeout(this.#restartTimer)
    this.#policy.reset()
    this.#tail.clear()
    this.start()
  }

  /**
   * Stops transfers with their data durable (the engine's `close`), waiting at most
   * `timeoutMs`; then the process is killed (durable bytes are on disk either way).
   */
  async shutdown(timeoutMs = 5000): Promise<void> {
    this.#stopping = true
    clearTimeout(this.#restartTimer)
    const child = this.#child
    if (child) {
      child.postMessage({ type: 'shutdown' })
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs)
      })
      if ((await Promise.race([this.#exited, timedOut])) === 'timeout') child.kill()
      clearTimeout(timer)
    }
    this.#client?.dispose()
    this.#client = null
    await new Promise<void>((resolve) => this.#log.end(resolve))
  }

  #wire(contents: WebContents): void {
    if (contents.isDestroyed() || !this.#child) return
    const { port1, port2 } = new MessageChannelMain()
    this.#child.postMessage({ type: 'connect' }, [port1])
    contents.postMessage(IPC.port, null, [port2])
  }

  #crashed(reason: string): void {
    const decision = this.#policy.crashed(Date.now())
    this.#log.write(`[downpour] ${reason}\n`)
    if (decision.action === 'give-up') {
      this.#setStatus({
        kind: 'failed',
        message: `The download engine stopped ${decision.crashes} times within a minute.`,
        detail: this.#tail.text() || reason,
      })
      return
    }
    this.#setStatus({ kind: 'restarting', attempt: decision.attempt, reason })
    this.#restartTimer = setTimeout(() => this.start(), decision.delayMs)
  }

  #setStatus(status: EngineHostStatus): void {
    this.#status = status
    for (const contents of this.#windows)
      if (!contents.isDestroyed()) contents.send(IPC.status, status)
  }
}

function adaptPort(port: MessagePortMain) {
  port.start()
  return {
    postMessage: (message: unknown) => port.postMessage(message),
    onMessage(listener: (message: unknown) => void) {
      const handler = (event: Electron.MessageEvent) => listener(event.data)
      port.on('message', handler)
      return () => port.off('message', handler)
    },
  }
}
