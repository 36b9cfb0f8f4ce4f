import { spawn, type ChildProcess } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connectClient, startServe, type ServeProcess } from '../test/run-serve.ts'
import { ENGINE_HOST_NODE_FLAGS } from '../src/engine/memory-limits.ts'

/**
 * An engine host under attack, as the drive-by suite sees it: a process of its own (so a crash
 * shows as an exit, not as a dead test worker), its aria2 RPC, its queue and its folder.
 */
export type Target = {
  readonly name: string
  readonly rpcUrl: string
  readonly secret: string
  readonly downloads: string
  readonly child: ChildProcess
  /**
   * Everything the host's queue holds, as its owner sees it: serve's /api with the token, the
   * desktop host's own channel (the window's view), never through the aria2 secret alone.
   */
  queue(): Promise<string[]>
  stderr(): string
  stop(): Promise<void>
}

export function alive(target: Target): boolean {
  return target.child.exitCode === null && target.child.signalCode === null
}

/** The resident set now and its peak since start (Linux /proc), in bytes. */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1])
  return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 }
}

export async function listFolder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/** `downpour serve` as a person runs it: a real process with the built UI; /jsonrpc mounted. */
export async function startServeTarget(root: string): Promise<Target & { serve: ServeProcess }> {
  const downloads = join(root, 'serve-downloads')
  const serve = await startServe(['--dir', downloads], { state: join(root, 'serve-state') })
  return {
    name: 'downpour serve',
    serve,
    rpcUrl: `${serve.origin}/jsonrpc`,
    secret: serve.token,
    downloads,
    child: serve.child,
    async queue() {
      const { socket, client } = await connectClient(serve.origin, {
        authorization: `Bearer ${serve.token}`,
      })
      try {
        return (await client.snapshot()).downloads.map((d) => d.id)
      } finally {
        socket.close()
      }
    },
    stderr: () => serve.stderr(),
    async stop() {
      if (serve.child.exitCode !== null || serve.child.signalCode !== null) return
      serve.child.kill('SIGKILL')
      await serve.exited
    },
  }
}

/** The desktop app's aria2 listener (src/utility/aria2-listener.ts) hosted as in the utility process. */
export async function startListenerTarget(root: string): Promise<Target> {
  const downloads = join(root, 'desktop-downloads')
  const host = join(import.meta.dirname, '..', 'test', 'aria2-listener-host.ts')
  const child = spawn(
    process.execPath,
    [...ENGINE_HOST_NODE_FLAGS, host, join(root, 'desktop-state'), downloads],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const [, url, secret] = await new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const match = /^listening (\S+) (\S+)$/m.exec(stdout)
      if (match) resolve(match)
    }
    child.stdout!.on('data', check)
    void exited.then(() => reject(new Error(`the listener host exited:\n${stderr}`)))
  })
  return {
    name: 'desktop aria2 listener',
    rpcUrl: url!,
    secret: secret!,
    downloads,
    child,
    queue: () =>
      new Promise<string[]>((resolve, reject) => {
        const from = stdout.length
        const check = () => {
          const match = /^queue (.*)$/m.exec(stdout.slice(from))
          if (!match) return
          child.stdout!.off('data', check)
          resolve(JSON.parse(match[1]!) as string[])
        }
        child.stdout!.on('data', check)
        void exited.then(() => reject(new Error(`the listener host exited:\n${stderr}`)))
        child.stdin!.write('queue\n')
      }),
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await exited
    },
  }
}
