/**
 * The parts of undici the engine uses, each from its own file rather than from undici's index.
 *
 * The index loads all of undici (fetch, WebSocket, EventSource, the mocks, the cache stores,
 * every interceptor) and with them ~30 more of Node's built-in modules (web streams, zlib, dns,
 * the crypto Web API…), on every thread that moves bytes: the CLI's, the Electron utility
 * process's and each transfer worker's. Under the engine host's V8 flags
 * (memory-limits.ts: any flag changes V8's flag hash, and V8 then refuses the code cache Node
 * ships for its built-ins) each of those built-ins is compiled from source at every start:
 * loading undici's index cost ~95 ms of CPU, these parts ~50 ms (docs/benchmarks.md, "W4's CPU,
 * where it goes now").
 */
import type * as Undici from 'undici'
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js'
import api from 'undici/lib/api/index.js'
import AgentClass from 'undici/lib/dispatcher/agent.js'
import ProxyAgentClass from 'undici/lib/dispatcher/proxy-agent.js'
import EnvHttpProxyAgentClass from 'undici/lib/dispatcher/env-http-proxy-agent.js'
import buildConnectorFunction from 'undici/lib/core/connect.js'

// What undici's index does once for every dispatcher: the request/stream/pipeline/connect/
// upgrade methods. ProxyAgent's CONNECT tunnel calls `connect` (src/cli/cli-proxy.test.ts).
// Idempotent: a program that also loads the index assigns the same functions again.
Object.assign((DispatcherBase as { prototype: object }).prototype, api)

export const Agent = AgentClass as typeof Undici.Agent
export const ProxyAgent = ProxyAgentClass as typeof Undici.ProxyAgent
export const EnvHttpProxyAgent = EnvHttpProxyAgentClass as typeof Undici.EnvHttpProxyAgent
export const buildConnector = buildConnectorFunction as typeof Undici.buildConnector
