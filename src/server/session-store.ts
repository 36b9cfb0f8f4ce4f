import { randomBytes } from 'node:crypto'

/**
 * `downpour serve`'s browser sessions, kept in memory only. A browser trades the token once for
 * a random session id (the cookie); the id means nothing outside this process, so a restart, a
 * sign-out or the expiry ends it for good. A fixed value derived from the token (what the
 * cookie used to be) replayed for 30 days wherever it leaked: cookies are not port-scoped, so
 * every other server on 127.0.0.1 the browser visits receives it.
 */
export type SessionStore = {
  /** A new session; its id is the cookie's value. */
  create(): string
  /** Whether `id` names a live session; counts as use (the idle clock restarts). */
  check(id: string | undefined): boolean
  /** Keeps a session from idling out while something (an open WebSocket) uses it. */
  hold(id: string): void
  /** Undoes one `hold`; the idle clock restarts from now. */
  release(id: string): void
  /** Ends a session (sign-out). Unknown ids are ignored. */
  end(id: string): void
  /** Drops expired sessions and returns their ids, so the caller can close what they hold. */
  sweep(): string[]
  /** Live sessions (tests, diagnostics). */
  size(): number
}

export type SessionStoreOptions = {
  /** Unused for this long (and not held), a session ends. */
  idleMs?: number
  /** A session ends this long after sign-in, used or not. */
  absoluteMs?: number
  /** Most sessions kept; past it the least recently used one ends. */
  maxSessions?: number
  now?: () => number
}

export const SESSION_IDLE_MS = 12 * 3600_000
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600_000
export const MAX_SESSIONS = 64

type Session = { created: number; used: number; holds: number }

// 256 bits from the CSPRNG, base64url: cookie-safe, and unguessable however many tries.
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  const idleMs = options.idleMs ?? SESSION_IDLE_MS
  const absoluteMs = options.absoluteMs ?? SESSION_ABSOLUTE_MS
  const maxSessions = options.maxSessions ?? MAX_SESSIONS
  const now = options.now ?? Date.now
  // Insertion order is recency order: `touch` re-inserts, so the first key is the oldest use.
  const sessions = new Map<string, Session>()

  const expired = (session: Session, at: number): boolean =>
    at - session.created >= absoluteMs || (session.holds === 0 && at - session.used >= idleMs)

  const touch = (id: string, session: Session, at: number): void => {
    session.used = at
    sessions.delete(id)
    sessions.set(id, session)
  }

  return {
    create() {
      const id = randomBytes(32).toString('base64url')
      const at = now()
      sessions.set(id, { created: at, used: at, holds: 0 })
      while (sessions.size > maxSessions) {
        const oldest = sessions.keys().next().value as string
        sessions.delete(oldest)
      }
      return id
    },
    check(id) {
      if (id === undefined || !ID_PATTERN.test(id)) return false
      const session = sessions.get(id)
      if (session === undefined) return false
      const at = now()
      if (expired(session, at)) {
        sessions.delete(id)
        return false
      }
      touch(id, session, at)
      return true
    },
    hold(id) {
      const session = sessions.get(id)
      if (session !== undefined) session.holds++
    },
    release(id) {
      const session = sessions.get(id)
      if (session === undefined) return
      session.holds = Math.max(0, session.holds - 1)
      touch(id, session, now())
    },
    end(id) {
      sessions.delete(id)
    },
    sweep() {
      const at = now()
      const ended: string[] = []
      for (const [id, session] of sessions) {
        if (!expired(session, at)) continue
        sessions.delete(id)
        ended.push(id)
      }
      return ended
    },
    size: () => sessions.size,
  }
}
