import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { homedir, networkInterfaces } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { createEngine } from '../engine/engine.ts'
import { createAccessPolicy, isLoopbackHost, isWildcardHost } from '../server/access-policy.ts'
import { createAria2Endpoint, type Aria2Endpoint } from '../server/aria2/aria2-endpoint.ts'
import { createAria2RpcServer, type Aria2RpcServer } from '../server/aria2/aria2-rpc-server.ts'
import { aria2SecretProblem } from '../server/aria2/aria2-secret-rule.ts'
import { startEngineServer } from '../server/engine-server.ts'
import { resolveServeToken } from '../server/serve-token.ts'
import { keepServingOnUnexpectedErrors } from '../server/unexpected-error-guard.ts'
import { EXIT } from './exit-codes.ts'

export type ServeOptions = {
  host: string
  port: number
  dir?: string
  token?: string
  stateDir?: string
  allowHost: string[]
  tlsCert?: string
  tlsKey?: string
  /** aria2's JSON-RPC: off with `--no-rpc`. */
  rpc: boolean
  /** Its own port for `/jsonrpc`; default: mounted on the server's port (6800, aria2's). */
  rpcPort?: number
  /** The aria2 secret; default: the access token. */
  rpcSecret?: string
}

/** Where the built UI is: next to the bundled CLI (`out/main` → `out/renderer`) or the sources. */
export function findRendererDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env['DOWNPOUR_UI_DIR']
  if (override) return resolve(override)
  const dir = rendererDirFor(import.meta.dirname)
  return existsSync(join(dir, 'index.html')) ? dir : undefined
}

/**
 * The built renderer for a module in `moduleDir`. From the sources (`src/cli`) it is the build's
 * `out/renderer`; bundled, this module lands in `out/main` or, split into a shared chunk, in
 * `out/main/chunks`: the renderer is the sibling of the nearest `main` folder. src/renderer has
 * an index.html too, but it is the unbuilt page: never serve that.
 */
export function rendererDirFor(moduleDir: string): string {
  if (basename(moduleDir) === 'cli' && basename(dirname(moduleDir)) === 'src')
    return join(moduleDir, '..', '..', 'out', 'renderer')
  for (let dir = moduleDir; dirname(dir) !== dir; dir = dirname(dir))
    if (basename(dir) === 'main') return join(dirname(dir), 'renderer')
  return join(moduleDir, '..', 'renderer')
}

export function defaultServeStateDir(): string {
  const base = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state')
  return join(base, 'downpour', 'serve')
}

/**
 * `downpour serve`: the engine with its queue in the state folder, the built UI and the
 * protocol over a WebSocket, until SIGINT/SIGTERM, which stop transfers with their data
 * durable (the next start resumes them) and exit 0.
 */
export async function runServe(options: ServeOptions): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`)
  const warn = (line: string) => process.stderr.write(`downpour serve: ${line}\n`)

  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    warn('--tls-cert and --tls-key go together')
    return EXIT.usage
  }
  const rendererDir = findRendererDir()
  if (rendererDir === undefined) {
    warn('the UI is not built: run "npm run build" first (or set DOWNPOUR_UI_DIR)')
    return EXIT.usage
  }
  const stateDir = resolve(options.stateDir ?? defaultServeStateDir())
  let token: string
  let tls: { cert: Buffer; key: Buffer } | undefined
  try {
    ;({ token } = await resolveServeToken({
      flag: options.token,
      env: process.env['DOWNPOUR_TOKEN'],
      stateDir,
    }))
    if (options.tlsCert !== undefined && options.tlsKey !== undefined)
      tls = { cert: await readFile(options.tlsCert), key: await readFile(options.tlsKey) }
  } catch (error) {
    warn((error as Error).message)
    return EXIT.usage
  }

  if (options.rpcSecret !== undefined) {
    // The default, the access token, already has at least 16 characters (checkToken).
    const problem = aria2SecretProblem(options.rpcSecret)
    if (problem) {
      warn(`--rpc-secret: ${problem}`)
      return EXIT.usage
    }
  }

  // From here on the process serves the network: a request that reaches a bug is logged, and
  // must not end every download (see unexpected-error-guard.ts).
  const unguard = keepServingOnUnexpectedErrors(warn)
  const engine = await createEngine({
    stateDir,
    settings: { defaultDir: resolve(options.dir ?? join(homedir(), 'Downloads')) },
  })
  // aria2's `shutdown` stops the server as SIGTERM does; set once the stop routine exists.
  let stopFromRpc: (() => void) | null = null
  const rpcSecret = options.rpcSecret ?? token
  const mounted: Aria2Endpoint | null =
    options.rpc && options.rpcPort === undefined
      ? createAria2Endpoint({
          engine,
          engineInProcess: true,
          secret: rpcSecret,
          // The engine server checks Host before it hands /jsonrpc over.
          hostAllowed: () => true,
          shutdown: () => setImmediate(() => stopFromRpc?.()),
          log: warn,
        })
      : null
  let server
  let rpcServer: Aria2RpcServer | null = null
  try {
    server = await startEngineServer({
      ...(mounted ? { jsonrpc: mounted } : {}),
      engine,
      rendererDir,
      host: options.host,
      port: options.port,
      token,
      allowHosts: options.allowHost,
      interfaceAddresses: interfaceAddresses(),
      ...(tls ? { tls } : {}),
      log: warn,
    })
  } catch (error) {
    mounted?.close()
    await engine.close()
    warn(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`)
    unguard()
    return EXIT.failed
  }
  if (options.rpc && options.rpcPort !== undefined) {
    try {
      rpcServer = await createAria2RpcServer({
        engine,
        engineInProcess: true,
        secret: rpcSecret,
        host: options.host,
        port: options.rpcPort,
        hostAllowed: createAccessPolicy({
          bindHost: options.host,
          port: options.rpcPort,
          token,
          allowHosts: options.allowHost,
          interfaceAddresses: interfaceAddresses(),
          tls: tls !== undefined,
        }).hostAllowed,
        ...(tls ? { tls } : {}),
        shutdown: () => setImmediate(() => stopFromRpc?.()),
        log: warn,
      })
    } catch (error) {
      await server.close()
      await engine.close()
      warn(
        `cannot listen for aria2 RPC on ${options.host}:${options.rpcPort}: ${(error as Error).message}`,
      )
      unguard()
      return EXIT.failed
    }
  }

  if (!isLoopbackHost(options.host)) {
    warn(
      `listening on ${options.host}, not only on this machine.` +
        (tls
          ? ''
          : ' Plain HTTP: the token and everything else can be read on the network. Use' +
            ' --tls-cert/--tls-key or put a TLS reverse proxy in front.'),
    )
  }
  const shown = isWildcardHost(options.host)
    ? server.origin.replace(/\/\/[^/]+:/, '//127.0.0.1:')
    : server.origin
  say(`Downpour is serving at ${shown}/`)
  say('Open this address in a browser (it carries the access token):')
  say(`    ${shown}/?token=${encodeURIComponent(token)}`)
  if (mounted || rpcServer) {
    const rpcUrl = rpcServer ? shown.replace(/:\d+$/, `:${rpcServer.port}`) : shown
    say(
      `aria2 RPC (AriaNg, browser extensions, aria2p): ${rpcUrl}/jsonrpc, secret: ` +
        (options.rpcSecret === undefined
          ? 'the access token above'
          : 'the one given by --rpc-secret'),
    )
  }

  return await new Promise<number>((resolveExit) => {
    const done = (code: number) => {
      unguard()
      resolveExit(code)
    }
    let stopping = false
    const stop = (signal: NodeJS.Signals | 'aria2.shutdown') => {
      if (stopping) {
        // A second Ctrl-C: the user insists. Durable bytes are still on disk.
        process.exit(EXIT.interrupted)
      }
      stopping = true
      say(`${signal}: stopping transfers (their data is kept; the next start resumes them)`)
      mounted?.close()
      void Promise.all([server.close(), rpcServer?.close()])
        .then(() => engine.close())
        .then(
          () => done(EXIT.ok),
          (error: unknown) => {
            warn(`while stopping: ${(error as Error).message}`)
            done(EXIT.failed)
          },
        )
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    stopFromRpc = () => stop('aria2.shutdown')
  })
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((entry) => entry.address),
  )
}
