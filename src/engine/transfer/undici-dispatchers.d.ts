// Types for the deep imports in http-dispatcher.ts: each file's module.exports is the class
// undici's index re-exports (checked by http-dispatcher.test.ts).
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici'
  const AgentClass: typeof Agent
  export default AgentClass
}
declare module 'undici/lib/dispatcher/proxy-agent.js' {
  import type { ProxyAgent } from 'undici'
  const ProxyAgentClass: typeof ProxyAgent
  export default ProxyAgentClass
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  import type { EnvHttpProxyAgent } from 'undici'
  const EnvHttpProxyAgentClass: typeof EnvHttpProxyAgent
  export default EnvHttpProxyAgentClass
}
