// From undici's index, not its dispatcher files: the index also installs the request/connect
// API on Dispatcher.prototype, which ProxyAgent needs for its CONNECT tunnel (https through a
// proxy failed with deep imports: src/cli/cli-proxy.test.ts).
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici'
import { connectorSkippingContinue } from './skip-continue.ts'

export type DispatcherOptions = {
  /** Connect and idle timeout, ms. `bodyTimeout` (the gap between body chunks) is the stall detector. */
  timeoutMs: number
  /** An explicit proxy URL; null = HTTP(S)_PROXY / NO_PROXY from the environment. */
  proxy: string | null
}

/**
 * One keep-alive dispatcher for all transfers of an engine (or of one worker thread).
 * HTTP/1.1 only (`allowH2: false`): a connection slot must be one TCP connection, or several
 * ranges would share one h2 connection and defeat servers' per-connection rate caps.
 * TLS is verified (undici's default; nothing here turns it off).
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const common = {
    allowH2: false,
    connect: { timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    pipelining: 1,
  }
  if (options.proxy) return new ProxyAgent({ ...common, uri: options.proxy })
  const env = process.env
  const hasEnvProxy = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((k) => env[k])
  // Direct connections also skip unsolicited `100 Continue` heads (skip-continue.ts); through a
  // proxy undici's own connectors are used.
  return hasEnvProxy
    ? new EnvHttpProxyAgent(common)
    : new Agent({ ...common, connect: connectorSkippingContinue(options.timeoutMs) })
}
