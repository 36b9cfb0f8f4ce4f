import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { MAX_MIRRORS } from '../../shared/protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../../shared/protocol/url.ts'
import { NO_MIRRORS } from './download-record.ts'

/**
 * A download's mirrors, checked: each an http/https URL (the error names the mirror by its
 * place and says what is wrong with it), at most `MAX_MIRRORS`; one that is the download's own
 * URL or an earlier mirror (the duplicate key: fragment and userinfo aside) is dropped, since a
 * second connection set to the same server is not a second source. No mirrors: `NO_MIRRORS`.
 */
export function checkMirrors(primary: URL, mirrors: readonly string[] | undefined): string[] {
  if (mirrors === undefined || mirrors.length === 0) return NO_MIRRORS
  if (mirrors.length > MAX_MIRRORS)
    throw new DownpourError(
      ERROR_CODES.invalidArgument,
      `mirrors: at most ${MAX_MIRRORS} mirrors per download (${mirrors.length} given)`,
    )
  const seen = new Set([normalizeUrlKey(primary)])
  const kept: string[] = []
  mirrors.forEach((input, index) => {
    let url: URL
    try {
      url = parseDownloadUrl(input)
    } catch (error) {
      const e = error as DownpourError
      throw new DownpourError(e.code, `mirror ${index + 1}: ${e.message}`)
    }
    const key = normalizeUrlKey(url)
    if (seen.has(key)) return
    seen.add(key)
    kept.push(url.href)
  })
  return kept.length === 0 ? NO_MIRRORS : kept
}
