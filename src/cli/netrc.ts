/** One `machine` (or the `default`) entry of a `.netrc` file. */
export type NetrcEntry = { machine: string | null; login: string; password: string }

/**
 * Parses a `.netrc` file (curl's and wget's format, which aria2 reads too): whitespace-separated
 * tokens, `machine NAME` or `default` starting an entry, then `login`, `password`, `account`
 * (ignored); `macdef NAME` skips its macro up to the next blank line; `"…"` quotes a token with
 * spaces (`\"` and `\\` inside). Entries without a login or a password are left out.
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = []
  let current: { machine: string | null; login?: string; password?: string } | null = null
  const finish = () => {
    if (current?.login !== undefined && current.password !== undefined)
      entries.push({ machine: current.machine, login: current.login, password: current.password })
  }
  let i = 0
  const next = (): string | null => {
    while (i < text.length && /\s/.test(text[i]!)) i++
    if (i >= text.length) return null
    if (text[i] === '"') {
      let token = ''
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length) i++
        token += text[i]
      }
      i++
      return token
    }
    const start = i
    while (i < text.length && !/\s/.test(text[i]!)) i++
    return text.slice(start, i)
  }
  for (let token = next(); token !== null; token = next()) {
    if (token === 'machine' || token === 'default') {
      finish()
      current = { machine: token === 'machine' ? (next() ?? '').toLowerCase() : null }
    } else if (token === 'login' || token === 'password' || token === 'account') {
      const value = next() ?? ''
      if (current && token !== 'account') current[token] = value
    } else if (token === 'macdef') {
      next()
      const end = text.indexOf('\n\n', i)
      i = end === -1 ? text.length : end + 2
    } else if (token.startsWith('#')) {
      const end = text.indexOf('\n', i)
      i = end === -1 ? text.length : end + 1
    }
  }
  finish()
  return entries
}

/** The entry for `host`: its own `machine`, else `default`; null when neither. */
export function netrcFor(entries: readonly NetrcEntry[], host: string): NetrcEntry | null {
  const name = host.toLowerCase()
  return entries.find((e) => e.machine === name) ?? entries.find((e) => e.machine === null) ?? null
}
