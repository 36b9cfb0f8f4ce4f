/** The variables undici's EnvHttpProxyAgent reads (the engine uses it when no proxy is given). */
const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'] as const

/**
 * Why the proxy this run would use cannot work, or null: `--all-proxy` when given, else the
 * HTTP(S)_PROXY variables. Only http:// and https:// proxies are supported (undici's); anything
 * else would fail every download, one by one, with a less clear error.
 */
export function proxyProblem(
  allProxy: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  if (allProxy !== undefined) return problemOf('--all-proxy', allProxy)
  for (const name of PROXY_VARIABLES) {
    const value = env[name]
    if (value) {
      const problem = problemOf(name, value)
      if (problem) return problem
    }
  }
  return null
}

function problemOf(source: string, value: string): string | null {
  const shown = JSON.stringify(value.replace(/\/\/([^/@\s:]*):[^/@\s]*@/, '//$1:***@'))
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `${source} must be an http:// or https:// proxy URL, got ${shown} (not a URL)`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `${source} must be an http:// or https:// proxy URL, got ${shown} (scheme "${url.protocol.slice(0, -1)}" is not supported)`
  if (url.hostname === '')
    return `${source} must be an http:// or https:// proxy URL, got ${shown} (no host)`
  return null
}
