import * as v from 'valibot'
import { DOWNLOAD_STATES, IF_EXISTS } from '../../shared/protocol/model.ts'
import { recordSchema, type DownloadRecord } from '../model/download-record.ts'

type FieldKind = 'string' | 'number' | 'boolean'
/** recordSchema's fields that quickCheck checks one by one below; every other one is plain. */
const CHECKED_BY_HAND: ReadonlySet<string> = new Set([
  'state',
  'error',
  'checksum',
  'headers',
  'mirrors',
  'ifExists',
])
/** recordSchema's plain fields, read off the schema, for the fast path: [name, kind, nullable]. */
const PLAIN_FIELDS = plainFields()

/** `entries`: recordSchema's (a test passes others). */
export function plainFields(
  entries: v.ObjectEntries = recordSchema.entries,
): readonly [keyof DownloadRecord, FieldKind, boolean][] {
  const fields: [keyof DownloadRecord, FieldKind, boolean][] = []
  for (const [name, schema] of Object.entries(entries)) {
    if (CHECKED_BY_HAND.has(name)) continue
    const nullable = schema.type === 'nullable'
    const kind = nullable
      ? (schema as unknown as { wrapped: { type: string } }).wrapped.type
      : schema.type
    // A new field that is not a plain string, number or boolean (or null) must be checked by
    // hand in quickCheck: failing here, at load, says so before a record goes unchecked.
    if (kind !== 'string' && kind !== 'number' && kind !== 'boolean')
      throw new Error(`recordSchema.${name} is not plain: check it in quickCheck`)
    fields.push([name as keyof DownloadRecord, kind, nullable])
  }
  return fields
}
const FIELD_COUNT = Object.keys(recordSchema.entries).length
const STATES = new Set<string>(DOWNLOAD_STATES)
const POLICIES = new Set<string>(IF_EXISTS)

/**
 * A persisted record, checked. The common case (a record this engine wrote, exactly the
 * schema's fields) is checked field by field without valibot, which allocates a copy of every
 * object it parses: loading 100,000 records spent seconds there. Anything unusual goes through
 * `recordSchema`, which gives the message (or strips unknown fields).
 */
export function parseRecord(
  value: unknown,
): { ok: true; record: unknown } | { ok: false; problem: string } {
  if (quickCheck(value)) return { ok: true, record: value }
  const parsed = v.safeParse(recordSchema, value)
  if (parsed.success) return { ok: true, record: parsed.output }
  const first = parsed.issues[0]
  return { ok: false, problem: `${v.getDotPath(first) ?? 'root'}: ${first.message}` }
}

function quickCheck(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const r = value as Record<string, unknown>
  let count = 0
  for (const _ in r) count++
  if (count !== FIELD_COUNT) return false
  for (const [name, kind, nullable] of PLAIN_FIELDS) {
    const field = r[name]
    if (field === null ? !nullable : typeof field !== kind) return false
    if (kind === 'number' && field !== null && Number.isNaN(field)) return false
  }
  if (typeof r.state !== 'string' || !STATES.has(r.state)) return false
  if (typeof r.ifExists !== 'string' || !POLICIES.has(r.ifExists)) return false
  if (r.checksum !== null) return false // rare: let the schema check the digest's length
  const error = r.error as Record<string, unknown> | null
  if (error !== null) {
    if (typeof error !== 'object' || Object.keys(error).length !== 2) return false
    if (typeof error.code !== 'string' || typeof error.message !== 'string') return false
  }
  const mirrors = r.mirrors
  if (!Array.isArray(mirrors)) return false
  for (const mirror of mirrors) if (typeof mirror !== 'string') return false
  const headers = r.headers
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return false
  for (const key in headers)
    if (typeof (headers as Record<string, unknown>)[key] !== 'string') return false
  return true
}
