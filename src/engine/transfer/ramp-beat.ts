// Job: what a ramp beat does to the connections already open — replacing laggards, handing
// connections over to other downloads from the host, closing a growth that brought no speed.
// The decisions are connection-ramp.ts' and connection-choices.ts'; this ends the connections.
import { extrasToClose, pickHandOvers, type SegmentView } from '../segments/connection-choices.ts'
import { pickLaggards, type ConnectionRamp } from '../segments/connection-ramp.ts'
import { HANDED_OVER, Retired } from './segmented-fetch-options.ts'

/** What one beat reads of a SegmentedFetch, and how it ends a connection. */
export type BeatHost = {
  readonly ramp: ConnectionRamp
  readonly maxConnections: number
  readonly minSplit: number
  /**
   * The fastest live loop's last range, bytes/s (SocketSpeeds.fastest; 0: none): fast loops'
   * ranges end before their averages can be judged, and laggards are judged against them too.
   */
  readonly liveFastest: number
  /** Connections running, and how many to hold (SegmentedFetch.#target). */
  readonly live: number
  readonly target: number
  /** The probe's segment (-1 once it ended) and connection. */
  readonly firstSegment: number
  readonly firstRetire: AbortController | null
  /** Extra connections idle in their look for work, and how far the host is over its share. */
  readonly idleHelpers: number
  readonly overShare: number
  segments(): SegmentView[]
  owner(segment: number): AbortController | undefined
  /** Its connection waits for an unproven mirror's first answer: never retired (mirror-sources.ts). */
  awaitsJudgment(segment: number): boolean
  /** Its connection fetches from the URL's host, whose share `overShare` is (not a mirror's). */
  onUrlHost(segment: number): boolean
  /**
   * The source (0: the URL, else a mirror's index) its connection fetches from; null for a
   * server found capped as a whole (MirrorSources.beat), whose connections are never laggards.
   */
  sourceOf(segment: number): number | null
  log(message: string): void
}

/**
 * Replaces connections far slower than the fastest (each gets a new TCP connection). The
 * replacement is opened by the beat once the laggard's connection has ended, never before: a
 * server counts both while they overlap, and servers ban clients over their connection limit (a
 * replacement opened at once shows one connection over `-x` in the server's log). A lone
 * connection is never a laggard (its stall is the timeout's to judge), so the download never
 * drops to zero connections.
 */
export function replaceLaggards(host: BeatHost): void {
  for (const id of laggardsBySource(host)) {
    if (!host.ramp.mayReplace(host.maxConnections)) return
    const owner = host.owner(id)
    if (!owner || owner.signal.aborted || host.awaitsJudgment(id)) continue
    host.ramp.replaced()
    owner.abort(new Retired('a laggard, replaced by a fresh connection'))
  }
}

/**
 * The laggards judged within each source (pickLaggards): a connection of a server capped as a
 * whole brings its cap over its count, so next to a faster mirror's each looked a laggard, and
 * its replacement, to a server no faster, was one too (80–100 connections a run in
 * bench/mirrors.ts). Nor is one of a server found capped as a whole: a fresh connection there
 * brings the same share of the same cap (and a loaded machine's stalls made every one of them
 * "silent" in turn). Servers that shape per connection are still judged connection by connection.
 */
function laggardsBySource(host: BeatHost): number[] {
  const bySource = new Map<number, SegmentView[]>()
  for (const segment of host.segments()) {
    const source = host.sourceOf(segment.id)
    if (source === null) continue
    const group = bySource.get(source)
    if (group) group.push(segment)
    else bySource.set(source, [segment])
  }
  // With mirrors, each source is judged on its own connections alone.
  const liveFastest = bySource.size > 1 ? 0 : host.liveFastest
  return [...bySource.values()].flatMap((group) => pickLaggards(group, host.minSplit, liveFastest))
}

/** Past its share of the host: connections close now (pickHandOvers); their ranges go back. */
export function handOver(host: BeatHost): void {
  if (host.overShare - host.idleHelpers <= 0) return
  const owned = []
  for (const segment of host.segments()) {
    const owner = host.owner(segment.id)
    if (!owner || host.awaitsJudgment(segment.id) || !host.onUrlHost(segment.id)) continue
    owned.push({ ...segment, closing: owner.signal.aborted, probe: owner === host.firstRetire })
  }
  for (const id of pickHandOvers(owned, host.overShare, host.idleHelpers)) {
    host.owner(id)!.abort(HANDED_OVER)
  }
}

/**
 * The last growth brought no more speed (ConnectionRamp, MIN_GAIN): the connections above the
 * target close now (extrasToClose; their rests go back to the gaps); idle ones close at their
 * next look for work (SegmentedFetch.#takeWork).
 */
export function closeExtras(host: BeatHost): void {
  const extra = host.live - host.target
  if (extra <= 0) return
  host.log(`${host.live} connections brought no more speed than ${host.target}; closing ${extra}`)
  const closable = host.segments().filter((s) => !host.awaitsJudgment(s.id))
  for (const id of extrasToClose(closable, host.live, host.target, host.firstSegment)) {
    host.owner(id)?.abort(new Retired('more connections brought no more speed'))
  }
}
