import { join } from 'node:path'
import type { DownloadDetails, HistoryEntry, SegmentMap } from '../../shared/protocol/details.ts'
import type { DownloadSnapshot, Settings } from '../../shared/protocol/model.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { controlPathFor, PART_SUFFIX, readControlFile } from '../storage/control-file.ts'
import { buildRequestHeaders } from '../transfer/request-headers.ts'
import { redactHeaders } from './redact-headers.ts'
import { pairs } from '../segments/segment-map.ts'

/** One download's details from its record, its snapshot and its timeline. Never a secret. */
export function buildDetails(
  record: DownloadRecord,
  download: DownloadSnapshot,
  settings: Settings,
  history: { entries: HistoryEntry[]; dropped: number },
): DownloadDetails {
  const path = join(record.dir, record.name)
  const url = new URL(record.url)
  return {
    download,
    path,
    partPath: record.nameChosen && record.state !== 'completed' ? path + PART_SUFFIX : null,
    etag: record.etag,
    lastModified: record.lastModified,
    requestHeaders: redactHeaders(
      buildRequestHeaders(settings, record.headers),
      url.username !== '' || url.password !== '',
    ),
    history: history.entries,
    historyDropped: history.dropped,
  }
}

/**
 * The map of a download that is not running: all of it once completed, else what its control
 * file says is durable (a paused download's bar shows its holes).
 */
export async function restingSegmentMap(record: DownloadRecord): Promise<SegmentMap> {
  const base = { id: record.id, size: record.size, connections: [] }
  if (record.state === 'completed' && record.size !== null)
    return { ...base, finished: record.size > 0 ? [[0, record.size]] : [] }
  if (!record.nameChosen) return { ...base, finished: [] }
  const part = join(record.dir, record.name + PART_SUFFIX)
  const { data } = await readControlFile(controlPathFor(part))
  if (!data || data.url !== redactUrl(record.url)) return { ...base, finished: [] }
  return { ...base, size: record.size ?? data.size, finished: pairs(data.durable) }
}
