import * as v from 'valibot'
import { parseDuration, parseSize } from '../units.ts'
import { uiPreferencesPatchSchema } from './ui-preferences.ts'

/**
 * Runtime schemas for everything that crosses a trust boundary (RPC from a window or a browser
 * tab, the persisted queue, CLI input). Static types live in model.ts/api.ts; these schemas are
 * checked against them in schemas.test.ts so the two cannot drift.
 */

const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0))
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1))

const HEX_LENGTH = { 'sha-256': 64, 'sha-1': 40, md5: 32 } as const

export const checksumSchema = v.pipe(
  v.object({
    algorithm: v.picklist(['sha-256', 'sha-1', 'md5']),
    hex: v.pipe(v.string(), v.regex(/^[0-9a-fA-F]+$/, 'must be hexadecimal')),
  }),
  v.check(
    (c) => c.hex.length === HEX_LENGTH[c.algorithm],
    (issue) =>
      `a ${String((issue.input as { algorithm: string }).algorithm)} checksum has ${HEX_LENGTH[(issue.input as { algorithm: keyof typeof HEX_LENGTH }).algorithm]} hex digits`,
  ),
)

const headerName = v.pipe(
  v.string(),
  v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a valid header name'),
)
const headerValue = v.pipe(v.string(), v.regex(/^[^\r\n\0]*$/, 'must not contain line breaks'))
/**
 * Names a plain object cannot hold as its own (valibot's record drops them to guard against
 * prototype pollution): refused with a reason, never dropped without a word.
 */
export const UNKEEPABLE_HEADER_NAMES = new Set(['__proto__', 'constructor', 'prototype'])
const headersWith = (value: v.GenericSchema<string, string>) =>
  v.pipe(
    v.custom<Record<string, string>>(
      (input) =>
        typeof input !== 'object' ||
        input === null ||
        !Object.keys(input).some((name) => UNKEEPABLE_HEADER_NAMES.has(name.toLowerCase())),
      (issue) =>
        `a header named ${Object.keys(issue.input as object).find((name) => UNKEEPABLE_HEADER_NAMES.has(name.toLowerCase()))} cannot be kept`,
    ),
    v.record(headerName, value),
  )
export const headersSchema = headersWith(headerValue)
/**
 * Headers a request will carry: also only what undici sends (tab and Latin-1 text), else the
 * download would fail when it starts, with "invalid header". Saved settings keep the looser
 * `headersSchema`, so a file written before this rule still loads.
 */
export const sendableHeadersSchema = headersWith(
  v.pipe(
    headerValue,
    v.regex(
      /^[\t\x20-\x7e\x80-\xff]*$/,
      'may hold only tabs and printable Latin-1 text (no control characters, nothing past U+00FF)',
    ),
  ),
)

export const addRequestSchema = v.strictObject({
  url: v.pipe(v.string(), v.minLength(1), v.maxLength(65_536)),
  dir: v.optional(v.pipe(v.string(), v.minLength(1))),
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  checksum: v.optional(checksumSchema),
  headers: v.optional(sendableHeadersSchema),
  maxTries: v.optional(nonNegativeInt),
  maxConnections: v.optional(v.pipe(positiveInt, v.maxValue(32))),
  speedLimit: v.optional(nonNegativeInt),
  paused: v.optional(v.boolean()),
})

export const downloadUpdateSchema = v.strictObject({
  id: v.pipe(v.string(), v.minLength(1)),
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  checksum: v.optional(v.nullable(checksumSchema)),
  headers: v.optional(sendableHeadersSchema),
  maxTries: v.optional(v.nullable(nonNegativeInt)),
  maxConnections: v.optional(v.nullable(v.pipe(positiveInt, v.maxValue(32)))),
  speedLimit: v.optional(nonNegativeInt),
})

export const selectionSchema = v.union([
  v.strictObject({ ids: v.array(v.string()) }),
  v.strictObject({ all: v.literal(true) }),
])

/** Where `moveMany` puts its block (see `MoveTarget`). */
const targetId = v.pipe(v.string(), v.minLength(1, 'must not be empty'))
export const moveTargetSchema = v.union(
  [
    v.strictObject({ before: targetId }),
    v.strictObject({ after: targetId }),
    v.strictObject({ position: nonNegativeInt }),
  ],
  'must be one of { before: id }, { after: id } or { position: n }',
)

export const settingsSchema = v.strictObject({
  defaultDir: v.pipe(v.string(), v.minLength(1)),
  maxConcurrentDownloads: v.pipe(positiveInt, v.maxValue(100)),
  maxConnectionsPerHost: v.pipe(positiveInt, v.maxValue(64)),
  maxConnectionsPerDownload: v.pipe(positiveInt, v.maxValue(32)),
  minSplitSize: v.pipe(positiveInt, v.minValue(64 * 1024)),
  maxTries: nonNegativeInt,
  retryWaitMs: nonNegativeInt,
  timeoutMs: v.pipe(positiveInt, v.minValue(100)),
  lowestSpeedLimit: nonNegativeInt,
  maxOverallDownloadLimit: nonNegativeInt,
  userAgent: v.pipe(
    v.string(),
    v.minLength(1),
    v.regex(/^[^\r\n\0]*$/, 'must not contain line breaks'),
  ),
  proxy: v.nullable(v.pipe(v.string(), v.url())),
  headers: headersSchema,
  aria2RpcEnabled: v.boolean(),
  aria2RpcSecret: v.pipe(
    v.string(),
    v.maxLength(256),
    v.regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces'),
  ),
})

export const settingsPatchSchema = v.partial(settingsSchema)

/**
 * A number, or text with a unit turned into that number: sizes (`2M`, `512K`, a bare number =
 * bytes) or durations (`30s`, `500ms`, `1.5m`; the unit is required). Then the same bounds as
 * the stored setting apply to the result.
 */
function withUnit(kind: 'size' | 'duration', bounds: { min: number; max: number }) {
  const parse = kind === 'size' ? parseSize : parseDuration
  const example =
    kind === 'size' ? 'a size like 2M, 512K or 1048576' : 'a duration like 30s or 500ms'
  return v.pipe(
    v.union([v.number(), v.string()], `must be a number or ${example}`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      if (typeof dataset.value === 'number') return dataset.value
      const parsed = parse(dataset.value)
      if (parsed !== null) return parsed
      addIssue({ message: `${JSON.stringify(dataset.value.slice(0, 40))} is not ${example}` })
      return NEVER
    }),
    v.integer('must be a whole number'),
    v.minValue(bounds.min, `must be at least ${describe(kind, bounds.min)}`),
    v.maxValue(bounds.max, `must be at most ${describe(kind, bounds.max)}`),
  )
}

function describe(kind: 'size' | 'duration', n: number): string {
  if (kind === 'duration') return n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`
  for (const [unit, scale] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const)
    if (n >= scale && n % scale === 0) return `${n / scale}${unit}`
  return `${n} bytes`
}

const HOUR = 3_600_000
const MAX_RATE = 1024 ** 4

/**
 * Settings as a client may send them (`updateSettings`, the host's start options): like
 * `settingsSchema`, but sizes, rates and durations may be text with units, and each has an
 * upper bound as well. The output is the stored form (bytes, bytes/s, ms).
 */
export const settingsInputSchema = v.strictObject({
  ...settingsSchema.entries,
  defaultDir: v.pipe(
    v.string(),
    v.minLength(1),
    v.regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'must be an absolute path'),
  ),
  minSplitSize: withUnit('size', { min: 64 * 1024, max: 1024 ** 3 }),
  retryWaitMs: withUnit('duration', { min: 0, max: HOUR }),
  timeoutMs: withUnit('duration', { min: 100, max: HOUR }),
  lowestSpeedLimit: withUnit('size', { min: 0, max: MAX_RATE }),
  maxOverallDownloadLimit: withUnit('size', { min: 0, max: MAX_RATE }),
  headers: sendableHeadersSchema,
})

export const settingsPatchInputSchema = v.partial(settingsInputSchema)

/** Argument tuples per engine method, for the RPC server to validate before dispatching. */
export const methodArgsSchemas = {
  add: v.tuple([v.pipe(v.array(addRequestSchema), v.maxLength(100_000))]),
  update: v.tuple([v.pipe(v.array(downloadUpdateSchema), v.maxLength(100_000))]),
  pause: v.tuple([selectionSchema]),
  resume: v.tuple([selectionSchema]),
  retry: v.tuple([selectionSchema]),
  remove: v.union([
    v.tuple([selectionSchema]),
    v.tuple([
      selectionSchema,
      v.optional(v.strictObject({ deleteFiles: v.optional(v.boolean()) })),
    ]),
  ]),
  move: v.tuple([v.string(), nonNegativeInt]),
  moveMany: v.tuple([
    v.pipe(
      v.array(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
      v.minLength(1, 'must name at least one download'),
      v.maxLength(1_000_000, 'must name at most 1,000,000 downloads'),
    ),
    moveTargetSchema,
  ]),
  snapshot: v.tuple([]),
  snapshotHead: v.tuple([v.pipe(nonNegativeInt, v.maxValue(100_000))]),
  snapshotPart: v.tuple([
    v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
    v.pipe(positiveInt, v.maxValue(100_000)),
  ]),
  updateSettings: v.tuple([settingsPatchInputSchema]),
  changeUrl: v.tuple([v.pipe(v.string(), v.minLength(1)), v.pipe(v.string(), v.maxLength(65_536))]),
  details: v.tuple([v.string()]),
  watchSegments: v.tuple([v.string()]),
  unwatchSegments: v.tuple([v.string()]),
  uiPreferences: v.tuple([]),
  updateUiPreferences: v.tuple([uiPreferencesPatchSchema]),
} as const

/** Formats the first issue of a failed parse as "path: message" for error replies. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0]
  if (!first) return 'invalid value'
  const path = v.getDotPath(first)
  return path ? `${path}: ${first.message}` : first.message
}
