import * as v from 'valibot'
import { DOWNLOAD_STATES } from '../../shared/protocol/model.ts'
import { checksumSchema } from '../../shared/protocol/schemas.ts'

/** A persisted download record (`DownloadRecord`), checked on every load. */
export const recordSchema = v.object({
  id: v.string(),
  url: v.string(),
  key: v.string(),
  dir: v.string(),
  requestedName: v.nullable(v.string()),
  name: v.string(),
  nameChosen: v.boolean(),
  state: v.picklist(DOWNLOAD_STATES),
  size: v.nullable(v.number()),
  done: v.number(),
  tries: v.number(),
  failuresInARow: v.number(),
  maxTries: v.nullable(v.number()),
  nextRetryAt: v.nullable(v.number()),
  error: v.nullable(v.object({ code: v.string(), message: v.string() })),
  resumable: v.nullable(v.boolean()),
  etag: v.nullable(v.string()),
  lastModified: v.nullable(v.string()),
  finalUrl: v.nullable(v.string()),
  checksum: v.nullable(checksumSchema),
  headers: v.record(v.string(), v.string()),
  speedLimit: v.number(),
  maxConnections: v.nullable(v.number()),
  createdAt: v.number(),
  completedAt: v.nullable(v.number()),
})
