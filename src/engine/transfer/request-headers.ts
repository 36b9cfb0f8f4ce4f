import type { Settings } from '../../shared/protocol/model.ts'

/**
 * The headers every request of a download carries: the engine-wide ones, then the download's
 * own (which win), names in lower case. One function for the transfer and for the details
 * panel, so what the panel shows is what is sent.
 */
export function buildRequestHeaders(
  settings: Pick<Settings, 'headers' | 'userAgent'>,
  own: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(settings.headers)) headers[k.toLowerCase()] = v
  for (const [k, v] of Object.entries(own)) headers[k.toLowerCase()] = v
  headers['user-agent'] ??= settings.userAgent
  // Never let a server compress a download: we store bytes as sent, ranges stay meaningful.
  headers['accept-encoding'] = 'identity'
  headers.accept ??= '*/*'
  return headers
}
