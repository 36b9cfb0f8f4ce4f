import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { Aria2TestClient } from './aria2-rpc-client.ts'
import { freePort } from './real-http-servers.ts'

/** A running `aria2c --enable-rpc`: the reference for aria2's protocol in tests. */
export type Aria2c = { port: number; url: string; close(): Promise<void> }

/**
 * Starts Debian's aria2c with its JSON-RPC on a free loopback port (it cannot pick one itself),
 * downloading into `dir`, no config file read, and resolves once it answers
 * `aria2.getVersion` (within 10 s). `args`: more of aria2c's options.
 */
export async function startAria2c(options: {
  dir: string
  secret: string
  args?: string[]
}): Promise<Aria2c> {
  await mkdir(options.dir, { recursive: true })
  const port = await freePort()
  const child: ChildProcess = spawn(
    'aria2c',
    [
      '--enable-rpc',
      `--rpc-listen-port=${port}`,
      `--rpc-secret=${options.secret}`,
      '--rpc-listen-all=false',
      '--rpc-allow-origin-all=true',
      '--no-conf=true',
      '--quiet=true',
      ...(options.args ?? []),
      `--dir=${options.dir}`,
    ],
    { stdio: 'ignore' },
  )
  const url = `http://127.0.0.1:${port}/jsonrpc`
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await new Aria2TestClient(url, options.secret).call('aria2.getVersion')
      break
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill()
        throw error
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    port,
    url,
    close: async () => {
      child.kill()
      await new Promise((r) => child.once('exit', r))
    },
  }
}
