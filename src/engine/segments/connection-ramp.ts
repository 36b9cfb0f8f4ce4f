import { LAGGARD_RATIO, type ActiveSegment } from './segment-planner.ts'

/** How often the connection count is reconsidered (slow start), ms. */
export const RAMP_INTERVAL_MS = 100
/**
 * How often an idle connection lingering for the endgame looks again for a laggard's rest, ms:
 * a quiet laggard may be robbed after MIN_STEAL_SECONDS (0.1 s), and a look each beat added up
 * to a beat to every tail (on W4 0.18–0.26 s from a slow socket's burst to the steal).
 */
export const LINGER_LOOK_MS = 50
/**
 * Below this speed per connection the link (or a server cap) limits each connection, not our
 * CPU: opening more is cheap and usually pays, so slow start goes on to the maximum, four times
 * as many per beat. (A comparison of two noisy windows alone stops too early when connections
 * differ in speed, e.g. half of them capped at 1 MiB/s.)
 */
export const SLOW_CONNECTION_BYTES_PER_S = 48 * 1024 * 1024
/** A beat in which writers waited this share of the time for the disk is the disk's. */
export const DISK_BOUND_SHARE = 0.2
/**
 * A laggard (LAGGARD_RATIO times slower than the fastest) is replaced by a fresh connection:
 * servers and routes that throttle per connection often treat a new one differently, and the
 * laggard's range goes to whoever is fast. Only after it has had time to show its speed.
 */
export const LAGGARD_MIN_AGE_MS = 300
/**
 * After the limiter last held this download back, how long it still counts as the pace-setter:
 * at a low limit most beats see no chunk at all, and one chunk pays the debt off for a moment.
 */
export const LIMITED_HOLD_MS = 1000
/** A beat at this share of a bandwidth limit is the limiter's pace, not the network's. */
export const LIMITED_SHARE = 0.8
/**
 * Replacing a laggard and stealing a laggard's rest each cost a request and a connection: a
 * download does each at most this many times per connection it may run, so a server whose
 * connections all crawl is not asked again and again.
 */
export const RENEWALS_PER_CONNECTION = 2

/**
 * Growing the connection count must bring at least this much more speed (the rate with the new
 * count over the rate before the growth). A server whose link is capped as a whole shows ~1.0
 * however many connections ask (each looks slow, so slow start alone would go on to the
 * maximum); a per-connection cap shows ~4 for four times as many. 1.15 leaves room for a beat's
 * noise and for a growth whose new connections are mostly slow ones (16 → 16 + 3 × 1 MiB/s).
 */
export const MIN_GAIN = 1.15
/** Slow start's first growth, from one connection; never given back (see #grow). */
export const FIRST_GROWTH = 4
/**
 * Beats at a grown count without MIN_GAIN before the growth is given back; only beats in which
 * every connection has received bytes count (a far server answers after a long round trip).
 */
export const GAIN_BEATS = 3
/**
 * A connection whose server has sent nothing for this long while its reader polled is paused
 * by its server (three beats). nginx's `limit_rate` sends each connection a second's worth at
 * once and then nothing for a second: at 128 KiB/s a connection, connections opened together
 * burst together, and beats of 100 ms see a burst and then several of nothing.
 */
export const PACED_SILENCE_MS = 300
/**
 * Beats in which half the answered connections were paused (PACED_SILENCE_MS) that show a
 * server pacing in bursts longer than a beat, for good. Beats cannot judge a growth there: a
 * burst beat is no baseline (a growth from 16 to 32 had to beat 1.15 × twelve connections'
 * first bursts in one beat, and was given back in 1 of 2 runs of bench/same-host.ts: 39 s
 * instead of 22), and a growth is kept, as for a cap per connection (nginx's limit_rate is
 * one, and a wrong give-back halves the download's speed for good).
 */
export const PACED_BEATS = 2
/**
 * Judged beats (every connection answered) heard before a growth may be given back: time for
 * a paced server's connections to show their pauses.
 */
export const PACING_BEATS = 8
/**
 * A laggard that closed itself (segment-planner.ts, cannotWin) is replaced by a fresh
 * connection (which may be fast: per-connection shaping differs by flow) only while the rest of
 * the download would take at least this long at its current rate; nearer the end a new
 * connection cannot pay for its request and slow start, and the count drops by one instead.
 */
export const RENEW_MIN_SECONDS = 1

/** Whether `bytesLeft` at `rate` bytes/s is enough work for a fresh connection (RENEW_MIN_SECONDS). */
export function worthRenewing(bytesLeft: number, rate: number): boolean {
  return bytesLeft >= rate * RENEW_MIN_SECONDS
}

/** The byte counters as one beat read them: this download's, all downloads', and when. */
export type ByteReading = { bytes: number; total: number; at: number }

/** The rates between two readings, bytes/s; `elapsed` in ms, at least 1 (two beats at once). */
export function beatRates(
  last: ByteReading,
  next: ByteReading,
): { elapsed: number; rate: number; totalRate: number } {
  const elapsed = Math.max(1, next.at - last.at)
  return {
    elapsed,
    rate: ((next.bytes - last.bytes) * 1000) / elapsed,
    totalRate: ((next.total - last.total) * 1000) / elapsed,
  }
}

/** What one ramp beat saw. */
export type BeatFigures = {
  /** performance.now() of this beat. */
  now: number
  /** ms since the last beat (at least 1). */
  elapsed: number
  /** This download's bytes/s over the beat, and all downloads'. */
  rate: number
  totalRate: number
  /** Connections running now. */
  live: number
  /**
   * Connections holding a range whose answer has brought no byte yet (a far server answers
   * after a long round trip): while any is waiting, the beat says nothing about the server's
   * cap. Default: none.
   */
  waiting?: number
  /**
   * Answered connections whose server has sent nothing for PACED_SILENCE_MS while their
   * reader polled: a server pacing in bursts longer than a beat. Default: none.
   */
  paused?: number
  /** True when the download's token bucket is in debt (the limiter holds it back now). */
  inDebt: boolean
  /** Bandwidth limits, bytes/s (0 = none). */
  limits: { download: number; overall: number }
  /** The part file's total time writers waited for the disk, ms (a running sum). */
  diskWaitMs: number
  maxConnections: number
}

/**
 * The decisions of a segmented download on how many connections to run: slow start, holding,
 * backing off, and how many laggards it may still replace or rob. Pure (no I/O, no clock of its
 * own): `SegmentedFetch` feeds it each beat's figures and opens or ends connections as it says,
 * so each rule can be tested with numbers alone.
 */
export class ConnectionRamp {
  /** How many connections the download should run. */
  target = 1
  /** True while the limiter sets the pace (no growing, no laggards, no steals). */
  limited = false
  #ramping = true
  #fastBeats = 0
  #provenFast = false
  #limitedUntil = 0
  #diskWaitMs = 0
  #replacements = 0
  #steals = 0
  /** The count before the last growth and the rate it had, until the growth proves its gain. */
  #grownFrom: { live: number; rate: number } | null = null
  /** Beats at the grown count without MIN_GAIN so far. */
  #flatBeats = 0
  /**
   * Bytes and ms since the last growth's connections began running, every beat counted, judged
   * or not: the mean a growth may also show its gain with. A server that shapes each connection
   * (nginx's `limit_rate`) sends a fresh connection's first megabytes at once and then pauses it
   * for as long as they should have taken: in W3 (4 MiB/s a connection) twelve new connections
   * brought one or two beats of 100–220 MiB/s, whose writers waited for the disk (not judged),
   * and then judged beats of 10–30. Judged beat by beat, 4 → 16 read as "no gain": given back to
   * four in 2 runs of 8 (3.2 s of transfer instead of ~1.0), and the other runs still had 16
   * connections at 0.5 s where e93e0e8 (no gain check) had 32 (docs/benchmarks.md). The mean
   * is never above the beats' best, so only bytes of unjudged beats are new evidence here.
   */
  #sinceGrowth = { bytes: 0, ms: 0 }
  /** The best rate a judged beat has seen: what a growth must beat (a transition beat reads low). */
  #best = 0
  /** Judged beats with every connection answered so far, and those that showed pauses. */
  #heard = 0
  #pausedBeats = 0

  /**
   * One beat: updates `limited` and `target`; answers whether this beat may judge the network
   * (then the caller also replaces laggards), and `giveBack`: the last growth brought no more
   * speed, `target` is back to the count before it, and the caller closes the connections above
   * it. Near a bandwidth limit our own limiter sets the pace, and a beat in which writers waited
   * for the disk says nothing about the network.
   */
  beat(f: BeatFigures): { judgeNetwork: boolean; giveBack: boolean } {
    // The buckets say it best: one in debt holds connections back now, whatever the beat's rate.
    if (f.inDebt) this.#limitedUntil = f.now + LIMITED_HOLD_MS
    this.limited =
      f.now < this.#limitedUntil ||
      (f.limits.download > 0 && f.rate >= LIMITED_SHARE * f.limits.download) ||
      (f.limits.overall > 0 && f.totalRate >= LIMITED_SHARE * f.limits.overall)
    // After another big download, writeback can stall us: the disk sets the pace then.
    const diskBound = f.diskWaitMs - this.#diskWaitMs >= DISK_BOUND_SHARE * f.elapsed
    this.#diskWaitMs = f.diskWaitMs
    // Two fast beats in a row prove the network fast per connection: a later dip is the disk
    // (dirty-page throttling) or the CPU, and more connections would not help.
    this.#fastBeats =
      f.rate / Math.max(1, f.live) >= SLOW_CONNECTION_BYTES_PER_S ? this.#fastBeats + 1 : 0
    if (this.#fastBeats >= 2) this.#provenFast = true
    const judgeNetwork = !diskBound && !this.limited
    let giveBack = false
    // A growth is judged once it has happened, also when fewer ranges were left to split than
    // the target asked for (the count stays below it).
    const grown = this.#grownFrom !== null && f.live > this.#grownFrom.live
    if (grown) {
      this.#sinceGrowth.bytes += (f.rate * f.elapsed) / 1000
      this.#sinceGrowth.ms += f.elapsed
    }
    if (judgeNetwork) this.#hear(f)
    if (judgeNetwork && this.#ramping && (f.live >= this.target || grown)) giveBack = this.#grow(f)
    if (judgeNetwork) this.#best = Math.max(this.#best, f.rate)
    this.target = Math.min(this.target, f.maxConnections)
    return { judgeNetwork, giveBack }
  }

  /**
   * Slow start with its gain checked: a growth is followed by the next one at once when the new
   * count already brings MIN_GAIN more speed (a per-connection cap: no beat lost), held while it
   * does not, and given back — slow start over — after GAIN_BEATS beats without it (a link
   * capped as a whole: the extra connections bring nothing but load on the server), once the
   * beats are known to judge: a server pacing in bursts longer than a beat is not given back.
   */
  #grow(f: BeatFigures): boolean {
    const from = this.#grownFrom
    if (from && !this.#gained(f.rate, MIN_GAIN * from.rate)) {
      if ((f.waiting ?? 0) > 0) return false
      if (++this.#flatBeats < GAIN_BEATS) return false
      // A server pacing in bursts goes on growing (PACED_BEATS); until PACING_BEATS beats have
      // shown whether it does, the growth waits.
      const paced = this.#pausedBeats >= PACED_BEATS
      if (!paced && this.#heard < PACING_BEATS) return false
      if (!paced) {
        this.target = from.live
        this.#ramping = false
        this.#grownFrom = null
        return true
      }
    }
    this.#flatBeats = 0
    const before = this.target
    this.#rampUp(f)
    // The first growth (to four) is kept whatever it brings: a lone connection may be one slow
    // flow among fast ones (per-flow shaping), and four are what servers allow any client.
    this.#grownFrom =
      this.target > before && f.live >= FIRST_GROWTH
        ? { live: f.live, rate: Math.max(f.rate, this.#best) }
        : null
    this.#sinceGrowth = { bytes: 0, ms: 0 }
    return false
  }

  /** Counts a judged beat, and whether half its answered connections were paused. */
  #hear(f: BeatFigures): void {
    const answered = f.live - (f.waiting ?? 0)
    if (answered === f.live) this.#heard++
    const paused = f.paused ?? 0
    if (paused > 0 && 2 * paused >= answered) this.#pausedBeats++
  }

  /** Whether the beat's rate, or the mean since the growth (#sinceGrowth), reaches `needed`. */
  #gained(rate: number, needed: number): boolean {
    const { bytes, ms } = this.#sinceGrowth
    return rate >= needed || (ms > 0 && (bytes * 1000) / ms >= needed)
  }

  /**
   * Slow start, judged on the beat's rate with `live` connections. Slow connections (a
   * per-connection cap, a thin link): four times as many per beat. Connections proven fast (two
   * beats at ≥ 48 MiB/s each) hold: the limit is then this machine's disk or CPU, not the
   * network, and each extra connection costs CPU and memory (docs/benchmarks.md).
   */
  #rampUp(f: BeatFigures): void {
    if (this.#provenFast) {
      this.#ramping = false
      return
    }
    if (f.rate / f.live < SLOW_CONNECTION_BYTES_PER_S) {
      this.target = Math.min(f.maxConnections, f.live * FIRST_GROWTH)
    }
  }

  /**
   * The host refused a connection while another download runs there: the host's connections
   * are all open, so what this download gains from now on is handed over by the others (the
   * host's total stays the same), and its speed says nothing of whether more connections pay.
   * The growth in progress is not judged, and so never given back: judged on one download's
   * noisy beats, it froze two of three downloads from one server at 11–12 connections for good,
   * and after the first ended they left 10–20 of the host's 32 unused (bench/same-host.ts).
   */
  handedOver(): void {
    this.#grownFrom = null
    this.#flatBeats = 0
  }

  /** Whether one more laggard may be replaced (see RENEWALS_PER_CONNECTION). */
  mayReplace(maxConnections: number): boolean {
    return this.#replacements < RENEWALS_PER_CONNECTION * maxConnections
  }

  /** A laggard's connection was ended, to be replaced by a fresh one. */
  replaced(): void {
    this.#replacements++
  }

  /** Whether a laggard's rest may be stolen: within the budget, and never while limited. */
  maySteal(maxConnections: number): boolean {
    return !this.limited && this.#steals < RENEWALS_PER_CONNECTION * maxConnections
  }

  /** A laggard's rest went to a faster connection. */
  stole(): void {
    this.#steals++
  }

  /**
   * A laggard closed itself (segment-planner.ts, cannotWin). `renew`: enough is left for a
   * fresh connection to pay (worthRenewing): it is opened in its place, from the budget of
   * replacements. Otherwise the count drops by one for good, and slow start ends: the slow
   * connection is not replaced by another that may be as slow.
   */
  yielded(renew: boolean, live: number, maxConnections: number): void {
    if (renew && this.mayReplace(maxConnections)) {
      this.#replacements++
      return
    }
    this.target = Math.max(1, Math.min(this.target, live - 1))
    this.#ramping = false
  }

  /** The server asks for fewer connections: halve, and stop growing for this attempt. */
  backOff(live: number): void {
    this.target = Math.max(1, Math.floor(live / 2))
    this.#ramping = false
  }
}

/**
 * The segments whose connections are far slower than the fastest, to be replaced by fresh ones
 * (in segment order; the caller keeps to its budget of replacements). A lone connection is
 * never a laggard (its stall is the timeout's to judge), nor one too young to have shown its
 * speed, one behind its reader, or one with too little left to be worth a new connection.
 *
 * Connections are judged by their averages since their first bytes (`average`, set once they
 * have flowed for LAGGARD_MIN_AGE_MS), not by their latest speeds: a server that paces every
 * connection in bursts (nginx's `limit_rate 128k`: a second's worth at once, then a second of
 * nothing) leaves them all silent or trickling most of the time, and by their speeds (0 when
 * silent, 0.01–0.09 MiB/s when trickling) half were laggards next to whichever had just had its
 * burst: 60 of 64 connections were replaced within the first 1.3 s (bench/same-host.ts), a
 * request storm that spent the budget of replacements. A connection among faster ones (W4's
 * 1 MiB/s bursts beside 16 MiB/s flows) still averages four times below them, and one stalled
 * for good falls there.
 */
export function pickLaggards(
  segments: readonly (ActiveSegment & { age: number; average?: number })[],
  minSplit: number,
  /**
   * The fastest live loop's last range, bytes/s (0: none ended yet). W4's 16 MiB/s loops end
   * their 1–2 MiB ranges in 60–125 ms, before an average can be judged: by averages alone the
   * 1 MiB/s ones were judged against each other, and three kept 8 MiB ranges to the end (2.2 s
   * instead of 1.2 with -x16, 1 run in 8).
   */
  liveFastest = 0,
): number[] {
  if (segments.length < 2) return []
  const judged = segments.filter((s) => s.average !== undefined && s.age >= LAGGARD_MIN_AGE_MS)
  // A reader behind its server counts here (its average is a lower bound of its server's pace).
  const best = Math.max(liveFastest, ...judged.map((s) => s.average!))
  const laggards: number[] = []
  if (best === 0) return laggards
  for (const s of judged) {
    if (s.behind || s.end - s.pos < 2 * minSplit) continue
    if (s.average! * LAGGARD_RATIO <= best) laggards.push(s.id)
  }
  return laggards
}

/**
 * The `count` connections to close when a growth is given back: the slowest first (one not
 * measured yet counts as slowest: it has brought nothing so far).
 */
export function pickExtras(
  segments: readonly (ActiveSegment & { age: number })[],
  count: number,
): number[] {
  if (count <= 0) return []
  return [...segments]
    .sort((a, b) => (a.speed ?? 0) - (b.speed ?? 0) || a.age - b.age)
    .slice(0, count)
    .map((s) => s.id)
}
