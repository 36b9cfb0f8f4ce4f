import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import WebSocket from 'ws'
import type { Engine } from '../src/engine/engine.ts'
import { ENGINE_HOST_NODE_FLAGS } from '../src/engine/memory-limits.ts'
import {
  startEngineServer,
  type EngineServer,
  type EngineServerOptions,
} from '../src/server/engine-server.ts'
import { createEngineClient, type EngineClient, type Port } from '../src/shared/protocol/rpc.ts'

const CLI = join(import.meta.dirname, '..', 'bin', 'downpour.mjs')
/** The bundled CLI that `electron-vite build` writes (what bench/ runs). */
export const BUILT_CLI = join(import.meta.dirname, '..', 'out', 'main', 'cli.js')

export type ServeProcess = {
  child: ChildProcess
  /** `http://127.0.0.1:PORT` */
  origin: string
  /** The printed address, token included. */
  url: string
  token: string
  stdout(): string
  stderr(): string
  /** Resolves with the first match of `pattern` in stdout, waiting for it if need be. */
  waitForStdout(pattern: RegExp): Promise<RegExpExecArray>
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** A minimal built UI for server tests that do not need the real renderer. */
export async function writeTestUi(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Downpour</title><p>test ui</p>')
  return dir
}

/**
 * Starts the server of `downpour serve` in this process on 127.0.0.1 for `engine`, with a
 * minimal UI under `root`, the bearer `token` and no log; `more` sets the rest (a port, sessions).
 */
export async function startTestServer(
  engine: Engine,
  root: string,
  token: string,
  more: Partial<EngineServerOptions> = {},
): Promise<EngineServer> {
  return startEngineServer({
    engine,
    rendererDir: await writeTestUi(join(root, 'ui')),
    host: '127.0.0.1',
    port: 0,
    token,
    log: () => {},
    ...more,
  })
}

/**
 * Starts `downpour serve --port 0 ARGS` as a real process (with the engine hosts' V8 flags, as
 * the launcher gives them) and resolves once it printed its address.
 */
export async function startServe(
  args: string[],
  options: {
    state: string
    uiDir?: string
    env?: Record<string, string>
    /** The script to run: the sources' launcher (default) or `BUILT_CLI`. */
    cli?: string
  },
): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of [
    'NODE_OPTIONS',
    'DOWNPOUR_TOKEN',
    'DOWNPOUR_UI_DIR',
    'HTTP_PROXY',
    'http_proxy',
  ])
    delete env[name]
  const child = spawn(
    process.execPath,
    [
      ...ENGINE_HOST_NODE_FLAGS,
      options.cli ?? CLI,
      'serve',
      '--port',
      '0',
      '--state-dir',
      options.state,
      ...args,
    ],
    {
      env: {
        ...env,
        NO_COLOR: '1',
        ...(options.uiDir ? { DOWNPOUR_UI_DIR: options.uiDir } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /(https?:\/\/\S+\/\?token=\S+)/.exec(stdout)
      if (match) {
        child.stdout!.off('data', check)
        resolve(match[1]!)
      }
    }
    child.stdout!.on('data', check)
    void exited.then(({ code }) =>
      reject(new Error(`downpour serve exited (${code}) before printing its address:\n${stderr}`)),
    )
  })
  const parsed = new URL(url)
  return {
    child,
    origin: parsed.origin,
    url,
    token: decodeURIComponent(parsed.searchParams.get('token')!),
    stdout: () => stdout,
    stderr: () => stderr,
    // Lines after the address may come in a later chunk: wait for them instead of assuming.
    waitForStdout: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout)
          if (!match) return
          child.stdout!.off('data', check)
          resolve(match)
        }
        child.stdout!.on('data', check)
        check()
        void exited.then(() => reject(new Error(`exited without printing ${pattern}:\n${stdout}`)))
      }),
    exited,
  }
}

/** Opens the engine protocol over a WebSocket, as a script with the token would. */
export async function connectClient(
  origin: string,
  headers: Record<string, string>,
): Promise<{ socket: WebSocket; client: EngineClient }> {
  const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/api`, { headers })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    )
  })
  return { socket, client: createEngineClient(wsPort(socket)) }
}

/** The engine protocol's `Port` over a `ws` client socket: JSON text frames. */
export function wsPort(socket: WebSocket): Port {
  return {
    postMessage: (message) => socket.send(JSON.stringify(message)),
    onMessage(listener) {
      const handler = (data: WebSocket.RawData) => listener(JSON.parse(data.toString()))
      socket.on('message', handler)
      return () => socket.off('message', handler)
    },
  }
}

/** The status code with which an upgrade to `/api` is answered (101 when accepted). */
export function upgradeStatus(origin: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/api`, { headers })
    socket.once('open', () => {
      socket.close()
      resolve(101)
    })
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      socket.terminate()
    })
    socket.once('error', reject)
  })
}
