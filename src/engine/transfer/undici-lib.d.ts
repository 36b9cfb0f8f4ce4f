// undici's own files (undici-parts.ts): CommonJS without type declarations of their own. Each
// is typed at its one import site, by the matching declaration of undici's index.
declare module 'undici/lib/dispatcher/dispatcher.js' {
  const value: unknown
  export default value
}
declare module 'undici/lib/api/index.js' {
  const value: object
  export default value
}
declare module 'undici/lib/dispatcher/agent.js' {
  const value: unknown
  export default value
}
declare module 'undici/lib/dispatcher/proxy-agent.js' {
  const value: unknown
  export default value
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  const value: unknown
  export default value
}
declare module 'undici/lib/core/connect.js' {
  const value: unknown
  export default value
}
