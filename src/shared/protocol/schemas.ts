import * as v from 'valibot'
import { formatCount } from '../format.ts'
import { parseDuration, parseSize } from '../units.ts'
import type { EngineApi, EngineMethod } from './api.ts'
import { uiPreferencesPatchSchema } from './ui-preferences.ts'
import { IF_EXISTS, MAX_MIRRORS, ON_DUPLICATE } from './model.ts'

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
  v.string('is not a valid header name'),
  v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a valid header name'),
)
const headerValue = v.pipe(
  v.string('must be text'),
  v.regex(/^[^\r\n\0]*$/, 'must not contain line breaks'),
)
/**
 * Names a plain object cannot hold as its own (valibot's record drops them to guard against
 * prototype pollution): refused with a reason, never dropped without a word.
 */
export const UNKEEPABLE_HEADER_NAMES = new Set(['__proto__', 'constructor', 'prototype'])
const HEADERS_SHAPE = 'must be headers, each a name with its value'
const headersWith = (value: v.GenericSchema<string, string>) =>
  v.pipe(
    v.custom<Record<string, string>>((input) => !Array.isArray(input), HEADERS_SHAPE),
    v.custom<Record<string, string>>(
      (input) =>
        typeof input !== 'object' ||
        input === null ||
        !Object.keys(input).some((name) => UNKEEPABLE_HEADER_NAMES.has(name.toLowerCase())),
      (issue) =>
        `a header named ${Object.keys(issue.input as object).find((name) => UNKEEPABLE_HEADER_NAMES.has(name.toLowerCase()))} cannot be kept`,
    ),
    v.record(headerName, value, HEADERS_SHAPE),
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

/** A download's mirrors as sent; each URL is parsed (scheme, host) when the record is built. */
export const mirrorsSchema = v.pipe(
  v.array(v.pipe(v.string('must be a URL'), v.minLength(1), v.maxLength(65_536))),
  v.maxLength(MAX_MIRRORS, `may list at most ${MAX_MIRRORS} mirrors`),
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
  ifExists: v.optional(v.picklist(IF_EXISTS)),
  onDuplicate: v.optional(v.picklist(ON_DUPLICATE)),
  againOf: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
  mirrors: v.optional(mirrorsSchema),
})

export const downloadUpdateSchema = v.strictObject({
  id: v.pipe(v.string(), v.minLength(1)),
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  checksum: v.optional(v.nullable(checksumSchema)),
  headers: v.optional(sendableHeadersSchema),
  maxTries: v.optional(v.nullable(nonNegativeInt)),
  maxConnections: v.optional(v.nullable(v.pipe(positiveInt, v.maxValue(32)))),
  speedLimit: v.optional(nonNegativeInt),
  ifExists: v.optional(v.picklist(IF_EXISTS)),
  mirrors: v.optional(mirrorsSchema),
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

/**
 * A whole number of something a setting counts, refused in the words the settings form shows
 * under its field (`must be at most 1,000 at once`), never valibot's `Expected <=1000`.
 */
function count(min: number, max: number | null, what = '') {
  const range =
    max === null ? `${formatCount(min)} or more` : `from ${formatCount(min)} to ${formatCount(max)}`
  const whole = `must be a whole number ${range}`
  const atLeast = v.pipe(
    v.number(whole),
    v.integer(whole),
    v.minValue(min, `must be at least ${formatCount(min)}${what}`),
  )
  return max === null
    ? atLeast
    : v.pipe(atLeast, v.maxValue(max, `must be at most ${formatCount(max)}${what}`))
}

/** Bytes (or bytes a second, ms) as stored; the input form (`settingsInputSchema`) takes units. */
function stored(min: number, what: string) {
  const message = `must be a whole number of ${what}, at least ${formatCount(min)}`
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message))
}

const text = (what: string) =>
  v.pipe(
    v.string(`must be ${what}`),
    v.minLength(1, 'must not be empty'),
    v.regex(/^[^\r\n\0]*$/, 'must not contain line breaks'),
  )

/**
 * Downloads at once: the engine ran 10,000 queued with 100 active at 6 % CPU; a thousand keeps
 * to the shared statistics' room (`MAX_DOWNLOADS` in engine/stats/shared-stats.ts, 1,024).
 */
export const MAX_CONCURRENT_DOWNLOADS = 1000

export const settingsSchema = v.strictObject(
  {
    defaultDir: text('a folder'),
    maxConcurrentDownloads: count(1, MAX_CONCURRENT_DOWNLOADS, ' at once'),
    maxConnectionsPerHost: count(1, 64, ' connections per server'),
    maxConnectionsPerDownload: count(1, 32, ' connections per download'),
    minSplitSize: stored(64 * 1024, 'bytes'),
    maxTries: count(0, null),
    retryWaitMs: stored(0, 'milliseconds'),
    timeoutMs: stored(100, 'milliseconds'),
    lowestSpeedLimit: stored(0, 'bytes a second'),
    maxOverallDownloadLimit: stored(0, 'bytes a second'),
    userAgent: text('text'),
    proxy: v.nullable(
      v.pipe(
        v.string('must be a proxy address like http://proxy.example:3128, or empty'),
        v.url('must be a proxy address like http://proxy.example:3128, or empty'),
      ),
    ),
    headers: headersSchema,
    aria2RpcEnabled: v.boolean('must be on or off'),
    aria2RpcSecret: v.pipe(
      v.string('must be text'),
      v.maxLength(256, 'must be at most 256 characters'),
      v.regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces'),
    ),
  },
  'is not a setting',
)

export const settingsPatchSchema = v.partial(settingsSchema)

/**
 * The shortest aria2 RPC secret taken from a person (settings, `--rpc-secret`): every web page
 * can send guesses to the RPC port. The stored setting is not held to it (a file saved before
 * the rule must still load): the desktop listener replaces a shorter one.
 */
export const MIN_ARIA2_SECRET_LENGTH = 16

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
export const settingsInputSchema = v.strictObject(
  {
    ...settingsSchema.entries,
    defaultDir: v.pipe(
      text('a folder'),
      v.regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'must be an absolute path'),
    ),
    aria2RpcSecret: v.pipe(
      settingsSchema.entries.aria2RpcSecret,
      v.check(
        (secret) => secret === '' || secret.length >= MIN_ARIA2_SECRET_LENGTH,
        `must be at least ${MIN_ARIA2_SECRET_LENGTH} characters long (or empty: a new one is generated)`,
      ),
    ),
    minSplitSize: withUnit('size', { min: 64 * 1024, max: 1024 ** 3 }),
    retryWaitMs: withUnit('duration', { min: 0, max: HOUR }),
    timeoutMs: withUnit('duration', { min: 100, max: HOUR }),
    lowestSpeedLimit: withUnit('size', { min: 0, max: MAX_RATE }),
    maxOverallDownloadLimit: withUnit('size', { min: 0, max: MAX_RATE }),
    headers: sendableHeadersSchema,
  },
  'is not a setting',
)

export const settingsPatchInputSchema = v.partial(settingsInputSchema)

/**
 * One method's argument list: each item checked, and an argument past the last refused with a
 * reason. (valibot's plain `tuple` drops extra items silently: `remove(selection, { deleteFiles })`
 * once matched a one-argument form and lost its options.)
 */
function args<const T extends v.TupleItems>(items: T) {
  const required = items.filter((item) => item.type !== 'optional').length
  const most = items.length
  const count =
    required === most
      ? `${most === 0 ? 'no' : most} argument${most === 1 ? '' : 's'}`
      : `${required} to ${most} arguments`
  return v.strictTuple(items, `takes ${count}`)
}

/**
 * Argument tuples per engine method, for the RPC server to validate before dispatching. Tied to
 * `EngineApi`: a method without a schema, a schema without a method, or a schema whose output is
 * not the method's parameters fails the typecheck.
 */
export const methodArgsSchemas = {
  add: args([
    v.pipe(v.array(addRequestSchema), v.maxLength(100_000)),
    v.optional(
      v.strictObject({ answer: v.optional(v.picklist(['downloads', 'ids', 'refusals'])) }),
    ),
  ]),
  update: args([v.pipe(v.array(downloadUpdateSchema), v.maxLength(100_000))]),
  pause: args([selectionSchema]),
  resume: args([selectionSchema]),
  retry: args([selectionSchema]),
  startNow: args([selectionSchema]),
  remove: args([
    selectionSchema,
    v.optional(v.strictObject({ deleteFiles: v.optional(v.boolean()) })),
  ]),
  move: args([v.string(), nonNegativeInt]),
  moveMany: args([
    v.pipe(
      v.array(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
      v.minLength(1, 'must name at least one download'),
      v.maxLength(1_000_000, 'must name at most 1,000,000 downloads'),
    ),
    moveTargetSchema,
  ]),
  snapshot: args([]),
  snapshotHead: args([v.pipe(nonNegativeInt, v.maxValue(100_000))]),
  snapshotPart: args([
    v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
    v.pipe(positiveInt, v.maxValue(100_000)),
  ]),
  updateSettings: args([settingsPatchInputSchema]),
  changeUrl: args([v.pipe(v.string(), v.minLength(1)), v.pipe(v.string(), v.maxLength(65_536))]),
  checkFiles: args([selectionSchema]),
  changeFolder: args([
    v.pipe(
      v.array(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
      v.minLength(1, 'must name at least one download'),
      v.maxLength(100_000, 'must name at most 100,000 downloads'),
    ),
    v.pipe(v.string(), v.maxLength(4096, 'must be at most 4096 characters')),
  ]),
  details: args([v.string()]),
  watchSegments: args([v.string()]),
  unwatchSegments: args([v.string()]),
  uiPreferences: args([]),
  updateUiPreferences: args([uiPreferencesPatchSchema]),
} as const satisfies MethodArgsSchemas

/** One argument schema per `EngineApi` method, whose output is that method's parameters. */
export type MethodArgsSchemas = {
  [M in EngineMethod]: v.GenericSchema<unknown, Parameters<EngineApi[M]>>
}

/** Formats the first issue of a failed parse as "path: message" for error replies. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0]
  if (!first) return 'invalid value'
  const path = v.getDotPath(first)
  return path ? `${path}: ${first.message}` : first.message
}
