import { normalizeUrlKey } from '../../shared/protocol/url.ts'

/**
 * What makes two downloads the same: the same URL (without userinfo or fragment) saved into
 * the same folder under the same requested name (or both under the server's).
 */
export type DuplicateKey = { urlKey: string; dir: string; requestedName: string | null }

/** Same normalized URL into the same folder (under the same requested name) is a duplicate. */
export function duplicateKey(url: URL, dir: string, requestedName: string | null): DuplicateKey {
  return { urlKey: normalizeUrlKey(url), dir, requestedName }
}
