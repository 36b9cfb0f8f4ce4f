// Job: which source (the URL or a mirror) each connection of a segmented download fetches from,
// how each source is doing, and what a mirror's failure does. SegmentedFetch asks here when it
// opens, ends or judges a connection; the choices themselves are MirrorSources' (mirror-sources.ts).
import type { ConnectionRange, SourceShare } from '../../shared/protocol/details.ts'
import { awaitsJudgment, MirrorSources, sourcesProgress, type Source } from './mirror-sources.ts'
import { Retired } from './segmented-fetch-options.ts'

/** A segment as the source bookkeeping sees it: its bounds, speed and connection. */
export type OwnedRange = {
  owner: AbortController | undefined
  start: number
  pos: number
  end: number
  speed?: number
}

/**
 * The sources of one segmented download with mirrors, and each connection's source (one for
 * its life). Without mirrors SegmentedFetch holds none of this.
 */
export class ConnectionSources {
  readonly #sources: MirrorSources
  readonly #sourceOf = new Map<AbortController, Source>()

  constructor(
    url: string,
    mirrors: readonly string[],
    etag: string | null,
    dropped: Map<string, string>,
  ) {
    this.#sources = new MirrorSources(url, mirrors, etag, dropped)
  }

  /** A new connection's source: the probe's is the URL, an extra one's MirrorSources.pick. */
  open(retire: AbortController, helper: boolean): Source {
    const source = helper ? this.#sources.pick() : this.#sources.primary
    this.#sources.opened(source)
    this.#sourceOf.set(retire, source)
    return source
  }

  close(retire: AbortController): void {
    const source = this.#sourceOf.get(retire)
    if (!source) return
    this.#sources.closed(source)
    this.#sourceOf.delete(retire)
  }

  of(owner: AbortController | undefined): Source | undefined {
    return owner && this.#sourceOf.get(owner)
  }

  /**
   * The connection count to hold: the ramp's, but at least one per usable source (capped by the
   * download's maximum). The ramp judges the download's total speed; a mirror capped as a whole
   * adds none per extra connection, so "more brought no more speed" once closed every helper and
   * left the file to the probe's server alone (2 MiB/s for 80 of 100 MiB while an 8 MiB/s mirror
   * sat idle).
   */
  target(rampTarget: number, maxConnections: number): number {
    return Math.max(rampTarget, Math.min(this.#sources.usable(), maxConnections))
  }

  /**
   * Each source's speed now (its connections' summed), for where new connections go. A mirror
   * whose range has bytes is proven (bytes flow only after its answer passed).
   */
  observe(ranges: readonly OwnedRange[]): void {
    const speeds = new Map<Source, number>()
    for (const r of ranges) {
      const source = this.of(r.owner)
      if (!source) continue
      if (r.pos > r.start) this.#sources.passed(source)
      if (r.speed === undefined) continue
      speeds.set(source, (speeds.get(source) ?? 0) + r.speed)
    }
    for (const [source, speed] of speeds) this.#sources.observe(source, speed)
  }

  /** See awaitsJudgment (mirror-sources.ts). */
  awaitsJudgment(owner: AbortController | undefined, start: number, pos: number): boolean {
    return awaitsJudgment(this.of(owner), start, pos)
  }

  /** Its connection got a range answer that passed mirror-answer.ts. */
  passed(source: Source): void {
    this.#sources.passed(source)
  }

  /** Its connection is done with a range, having received `bytes` of it. */
  served(owner: AbortController | undefined, bytes: number): void {
    const source = this.of(owner)
    if (source) this.#sources.served(source, bytes)
  }

  /**
   * A mirror's connection failed. Dropped (it serves another file, a status that will not
   * change, or failures in a row): its other connections end too, their ranges go back to the
   * gaps for the other sources, and `log` and `onDropped` say why. Either way the failure is not
   * the download's (no back-off, not its last error): returned as the reason the connection
   * retired.
   */
  failed(
    source: Source,
    error: unknown,
    onDropped: (host: string, reason: string) => void,
  ): Retired {
    const reason = this.#sources.failed(source, error)
    if (reason === null) return new Retired('its mirror failed; it may be tried again')
    onDropped(source.host, reason)
    const dropped = new Retired(`its mirror was dropped: ${reason}`)
    for (const [retire, s] of this.#sourceOf) if (s === source) retire.abort(dropped)
    return dropped
  }

  /** What a connection to `source` asks (MirrorSources.requestFor). */
  requestFor: MirrorSources['requestFor'] = (source, base) => this.#sources.requestFor(source, base)

  /** The details panel's map: each open range with its source, each source's bytes. */
  progress(ranges: readonly { range: ConnectionRange; owner: AbortController | undefined }[]): {
    connections: ConnectionRange[]
    sources: SourceShare[]
  } {
    return sourcesProgress(
      ranges.map(({ range, owner }) => ({ range, source: this.of(owner) })),
      this.#sources,
    )
  }

  summary(): string {
    return this.#sources.summary()
  }
}
