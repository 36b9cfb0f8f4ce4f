import { spawn, type ChildProcess } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Aria2TestClient } from '../test/aria2-rpc-client.ts'
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
  /** Everything the host's queue holds, as the owner's authenticated client sees it. */
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

/** The aria2 view of the queue, through the owner's secret: every GID it knows. */
async function aria2Queue(rpc: Aria2TestClient): Promise<string[]> {
  const keys = ['gid']
  const lists = await Promise.all([
    rpc.call<{ gid: string }[]>('aria2.tellActive', keys),
    rpc.call<{ gid: string }[]>('aria2.tellWaiting', 0, 1000, keys),
    rpc.call<{ gid: string }[]>('aria2.tellStopped', 0, 1000, keys),
  ])
  return lists.flat().map((d) => d.gid)
}

/** `downpour serve` as a person runs it: a real process with the built UI; /jsonrpc mounted. */
export async function startServeTarget(root: string): Promise<Target & { serve: ServeProcess }> {
  const downloads = join(root, 'serve-downloads')
  const serve = await startServe(['--dir', downloads], { state: join(root, 'serve-state') })
  const rpc = new Aria2TestClient(`${serve.origin}/jsonrpc`, serve.token)
  return {
    name: 'downpour serve',
    serve,
    rpcUrl: rpc.url,
    secret: serve.token,
    downloads,
    child: serve.child,
    async queue() {
      const { socket, client } = await connectClient(serve.origin, {
        authorization: `Bearer ${serve.token}`,
      })
      try {
        const ids = (await client.snapshot()).downloads.map((d) => `engine:${d.id}`)
        return [...ids, ...(await aria2Queue(rpc))]
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
    { stdio: ['ignore', 'pipe', 'pipe'] },
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
  const rpc = new Aria2TestClient(url!, secret!)
  return {
    name: 'desktop aria2 listener',
    rpcUrl: url!,
    secret: secret!,
    downloads,
    child,
    queue: () => aria2Queue(rpc),
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await exited
    },
  }
}
