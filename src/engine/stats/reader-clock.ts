import type { SharedStats } from './shared-stats.ts'

/** How often a reading thread says that its event loop is turning, ms. */
export const READER_TICK_MS = 25

/**
 * Node reads a TCP socket 64 KiB at a time: a chunk this big means the socket held at least
 * that much, i.e. the server is ahead of its reader. (TLS hands over records of at most
 * 16 KiB, so over HTTPS a backlog goes unseen, and connections are judged as before.)
 */
export const FULL_READ_BYTES = 64 * 1024

/** One connection's reader, as streamBody reports to it. */
export type SegmentReader = {
  /** The reader holds the connection back (waits for the disk or a bandwidth limit) or lets go. */
  hold(held: boolean): void
  /** A read from the socket came back full: more bytes were waiting (see FULL_READ_BYTES). */
  fullRead(): void
  /**
   * A read came back short: the socket is drained, this reader has caught up with its server
   * (isBehind). Call it on every other read: only the first after a full read or a hold is
   * reported, and a tick with no read at all says the same (ReaderClock).
   */
  shortRead(): void
  /** The reader is done with the segment. */
  stop(): void
}

/**
 * Tells the scheduler, for each segment this thread reads, that this thread is running: every
 * READER_TICK_MS it records for them the time of its previous tick, since when its event loop
 * has polled its sockets (a tick runs in a loop turn's timers phase; the poll phase follows).
 * A connection whose bytes stopped is only silent on the server's side if its reader polled
 * for a while since and found nothing: a reader thread that did not run (a loaded machine) or
 * that held the connection back (the disk) has bytes waiting in its socket, often megabytes.
 * Taking that connection's range away then fetches all of them twice (segment-speed.ts).
 *
 * One per thread that reads; the timer runs only while that thread reads a segment.
 */
export class ReaderClock {
  #stats: SharedStats
  #segments = new Map<number, ReadState>()
  #timer: ReturnType<typeof setInterval> | null = null
  #lastTick = 0

  constructor(stats: SharedStats) {
    this.#stats = stats
  }

  /** Starts reporting for `segment` until the returned reader is stopped. */
  read(segment: number): SegmentReader {
    const state: ReadState = { backlog: false, held: false, read: false }
    this.#segments.set(segment, state)
    if (!this.#timer) {
      this.#lastTick = Date.now()
      this.#timer = setInterval(() => this.#tick(), READER_TICK_MS)
      this.#timer.unref()
    }
    let stopped = false
    return {
      hold: (held) => {
        if (stopped) return
        state.backlog = true
        state.held = held
        this.#stats.markHeld(segment, held, Date.now())
      },
      fullRead: () => {
        if (stopped) return
        state.backlog = true
        state.read = true
        this.#stats.markFullRead(segment, Date.now())
      },
      shortRead: () => {
        if (stopped) return
        state.read = true
        if (state.backlog) this.#caughtUp(segment, state)
      },
      stop: () => {
        if (stopped) return
        stopped = true
        this.#segments.delete(segment)
        if (this.#segments.size === 0 && this.#timer) {
          clearInterval(this.#timer)
          this.#timer = null
        }
      },
    }
  }

  #caughtUp(segment: number, state: ReadState): void {
    state.backlog = false
    this.#stats.markCaughtUp(segment, Date.now())
  }

  #tick(): void {
    const polledSince = this.#lastTick
    this.#lastTick = Date.now()
    // On time, the loop has polled its sockets since the last tick: a connection it did not
    // hold back that brought no read since has nothing waiting, even when its last read was a
    // full one (a burst that ended exactly at a read's end leaves no short read to say so).
    const onTime = this.#lastTick - polledSince <= 2 * READER_TICK_MS
    for (const [segment, state] of this.#segments) {
      this.#stats.markPolled(segment, polledSince)
      if (onTime && state.backlog && !state.held && !state.read) this.#caughtUp(segment, state)
      state.read = false
    }
  }
}

/** What a ReaderClock keeps of one segment's reads between its ticks. */
type ReadState = {
  /** A full read or a hold not yet answered by a caught-up word (SharedStats.markCaughtUp). */
  backlog: boolean
  /** The reader holds the connection back now: its socket fills, whatever it reads. */
  held: boolean
  /** A read since the last tick. */
  read: boolean
}
