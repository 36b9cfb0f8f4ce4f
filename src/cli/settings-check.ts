import * as v from 'valibot'
import type { Settings } from '../shared/protocol/model.ts'
import { settingsPatchInputSchema } from '../shared/protocol/schemas.ts'

/** The flag a person typed for each engine setting the CLI sets. */
const FLAG_OF: Partial<Record<keyof Settings, string>> = {
  maxConcurrentDownloads: '--max-concurrent-downloads',
  maxConnectionsPerHost: '--max-concurrent-downloads / --max-connections-per-download',
  maxConnectionsPerDownload: '--max-connections-per-download',
  minSplitSize: '--min-split-size',
  maxTries: '--max-tries',
  retryWaitMs: '--retry-wait',
  timeoutMs: '--timeout',
  lowestSpeedLimit: '--lowest-speed-limit',
  maxOverallDownloadLimit: '--max-overall-download-limit',
  proxy: '--all-proxy',
  userAgent: '--user-agent',
}

/**
 * Checks the settings built from the flags against the engine's own bounds before anything
 * starts, so a value the engine would refuse is a usage error naming the flag (exit 2), not a
 * failure at engine start naming an internal field.
 */
export function settingsProblem(settings: Partial<Settings>): string | null {
  const parsed = v.safeParse(settingsPatchInputSchema, settings)
  if (parsed.success) return null
  const issue = parsed.issues[0]
  const key = issue.path?.[0]?.key
  const flag = typeof key === 'string' ? (FLAG_OF[key as keyof Settings] ?? key) : null
  return flag ? `${flag}: ${issue.message}` : issue.message
}
