import * as v from 'valibot'

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
export const headersSchema = v.record(headerName, headerValue)

export const addRequestSchema = v.strictObject({
  url: v.pipe(v.string(), v.minLength(1), v.maxLength(65_536)),
  dir: v.optional(v.pipe(v.string(), v.minLength(1))),
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1024))),
  checksum: v.optional(checksumSchema),
  headers: v.optional(headersSchema),
  maxTries: v.optional(nonNegativeInt),
  maxConnections: v.optional(v.pipe(positiveInt, v.maxValue(32))),
  speedLimit: v.optional(nonNegativeInt),
  paused: v.optional(v.boolean()),
})

export const downloadOptionsSchema = v.strictObject({
  speedLimit: v.optional(nonNegativeInt),
  maxConnections: v.optional(v.pipe(positiveInt, v.maxValue(32))),
  maxTries: v.optional(nonNegativeInt),
})

export const selectionSchema = v.union([
  v.strictObject({ ids: v.array(v.string()) }),
  v.strictObject({ all: v.literal(true) }),
])

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

/** Argument tuples per engine method, for the RPC server to validate before dispatching. */
export const methodArgsSchemas = {
  add: v.tuple([v.pipe(v.array(addRequestSchema), v.maxLength(100_000))]),
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
  configure: v.tuple([v.string(), downloadOptionsSchema]),
  snapshot: v.tuple([]),
  updateSettings: v.tuple([settingsPatchSchema]),
} as const

/** Formats the first issue of a failed parse as "path: message" for error replies. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0]
  if (!first) return 'invalid value'
  const path = v.getDotPath(first)
  return path ? `${path}: ${first.message}` : first.message
}
