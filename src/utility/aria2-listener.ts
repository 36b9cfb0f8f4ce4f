import { randomBytes } from 'node:crypto'
import type { Engine } from '../engine/engine.ts'
import type { Settings } from '../shared/protocol/model.ts'
import {
  ARIA2_DESKTOP_PORT,
  createAria2RpcServer,
  type Aria2RpcServer,
} from '../server/aria2/aria2-rpc-server.ts'
import { aria2SecretProblem } from '../server/aria2/aria2-secret-rule.ts'

export type Aria2Listener = {
  /** `http://127.0.0.1:16800/jsonrpc` while listening, else null. */
  url(): string | null
  /** Resolves once the listener reflects the settings as they are now. */
  settled(): Promise<void>
  close(): Promise<void>
}

/**
 * The desktop app's door for browser extensions: aria2's JSON-RPC on 127.0.0.1:16800 (Motrix's
 * port; loopback only), while the setting "Accept downloads from browser extensions (aria2 RPC)"
 * (`aria2RpcEnabled`) is on. The secret is generated once and kept with the settings, so an
 * extension set up once keeps working; the settings view shows it. A port already taken (Motrix
 * or aria2 running) leaves the listener off and says so in the log: the engine runs on.
 */
export function startAria2Listener(
  engine: Engine,
  options: { port?: number; log?: (line: string) => void } = {},
): Aria2Listener {
  const log = options.log ?? (() => {})
  let server: Aria2RpcServer | null = null
  let running: { secret: string } | null = null
  let closed = false
  // Changes are applied one after the other: a quick on/off/on never races two listeners.
  let chain: Promise<void> = Promise.resolve()
  const apply = (settings: Settings) => {
    chain = chain.then(() => reconcile(settings)).catch((error: unknown) => log(String(error)))
    return chain
  }

  async function reconcile(settings: Settings): Promise<void> {
    if (!settings.aria2RpcSecret || aria2SecretProblem(settings.aria2RpcSecret)) {
      // A secret kept from before the length rule is replaced: the settings view shows the new
      // one to paste into the extension. The settings/changed event this causes brings us back
      // here with it.
      if (settings.aria2RpcSecret)
        log('the aria2 RPC secret was too short to keep out guessing pages; a new one was made')
      await engine.updateSettings({ aria2RpcSecret: randomBytes(24).toString('base64url') })
      return
    }
    const want = !closed && settings.aria2RpcEnabled ? { secret: settings.aria2RpcSecret } : null
    if (want?.secret === running?.secret) return
    if (server) {
      await server.close()
      server = null
      running = null
    }
    if (!want) return
    try {
      server = await createAria2RpcServer({
        engine,
        engineInProcess: true,
        secret: want.secret,
        host: '127.0.0.1',
        port: options.port ?? ARIA2_DESKTOP_PORT,
        log,
      })
      running = want
    } catch (error) {
      log(`aria2 RPC for browser extensions is off: ${(error as Error).message}`)
    }
  }

  const off = engine.on('settings/changed', (e) => void apply(e.settings))
  void engine.snapshot().then((s) => apply(s.settings))
  return {
    url: () => server?.url ?? null,
    async settled() {
      // A snapshot taken now, then the chain it joins: the settings of this moment are applied.
      await apply((await engine.snapshot()).settings)
    },
    async close() {
      closed = true
      off()
      await apply((await engine.snapshot()).settings)
    },
  }
}

/**
 * The engine host's engine with the listener attached: it starts with the engine and is closed
 * before it, so the utility host needs one wrapped `createEngine` and nothing else.
 */
export function withAria2Listener(engine: Engine, log: (line: string) => void): Engine {
  const listener = startAria2Listener(engine, { log })
  const close = engine.close.bind(engine)
  return Object.assign(engine, {
    close: async () => {
      await listener.close()
      await close()
    },
  })
}
