// From undici's own files (undici-parts.ts), which also installs the request/connect API on
// Dispatcher.prototype as undici's index does: ProxyAgent needs it for its CONNECT tunnel (https
// through a proxy failed with deep imports that skipped it: src/cli/cli-proxy.test.ts).
import type { Dispatcher } from 'undici'
import { Agent, EnvHttpProxyAgent, ProxyAgent } from './undici-parts.ts'
import { connectorSkippingContinue } from './skip-continue.ts'

export type DispatcherOptions = {
  /** Connect and idle timeout, ms. `bodyTimeout` (the gap between body chunks) is the stall detector. */
  timeoutMs: number
  /** An explicit proxy URL; null = HTTP(S)_PROXY / NO_PROXY from the environment. */
  proxy: string | null
  /** How servers' certificates are checked (EngineOptions.tls); absent: Node's CAs, verified. */
  tls?: TlsOptions | null
}

/**
 * Certificate checks chosen by the host: `ca` (PEM) trusted besides Node's own CAs
 * (aria2's `--ca-certificate`), or no check at all (`--check-certificate=false`).
 */
export type TlsOptions = { ca: string | null; verify: boolean }

/**
 * One keep-alive dispatcher for all transfers of an engine (or of one worker thread).
 * HTTP/1.1 only (`allowH2: false`): a connection slot must be one TCP connection, or several
 * ranges would share one h2 connection and defeat servers' per-connection rate caps.
 * TLS is verified (undici's default; nothing here turns it off). `pinned`: at most one socket
 * per origin, for one connection loop of a segmented download.
 */
export function createDispatcher(options: DispatcherOptions, pinned = false): Dispatcher {
  const tls = tlsConnectOptions(options.tls)
  const common = {
    // A connection loop's own dispatcher (`pinned`): one socket per origin, so every range it
    // asks for goes over the same TCP connection (see FetchTask.pin).
    ...(pinned ? { connections: 1 } : {}),
    allowH2: false,
    connect: { timeout: options.timeoutMs, ...tls },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    pipelining: 1,
  }
  if (options.proxy)
    return new ProxyAgent({ ...common, uri: options.proxy, requestTls: tls, proxyTls: tls })
  const env = process.env
  const hasEnvProxy = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((k) => env[k])
  // Direct connections also skip unsolicited `100 Continue` heads (skip-continue.ts); through a
  // proxy undici's own connectors are used.
  return hasEnvProxy
    ? new EnvHttpProxyAgent(common)
    : new Agent({ ...common, connect: connectorSkippingContinue(options.timeoutMs, tls) })
}

function tlsConnectOptions(tls: TlsOptions | null | undefined): {
  ca?: string[]
  rejectUnauthorized?: boolean
} {
  if (!tls) return {}
  return {
    // Node's own CAs stay trusted: a file adds one, it does not replace them.
    ...(tls.ca ? { ca: [...bundledRootCertificates(), tls.ca] } : {}),
    ...(tls.verify ? {} : { rejectUnauthorized: false }),
  }
}

/**
 * Node's bundled CAs, read only when a CA file is given: an ES import of `node:tls` reads every
 * export of the module when it is first imported, and `rootCertificates` is a getter that
 * parses ~150 certificates — paid at every start of the CLI, the engine and each transfer
 * worker, for the rare run that adds a CA.
 */
function bundledRootCertificates(): readonly string[] {
  return process.getBuiltinModule('node:tls').rootCertificates
}
