/**
 * What each connection loop of a segmented download brought on its last range over its own
 * socket (TransferPool.pin), while it lives: the reference a slow socket is judged against
 * (pickWork's fastestSeen, cannotWin). The planner's own figure of the fastest counts only
 * readers that keep up with their servers, and on a fast route (loopback, a LAN) the fast
 * sockets' readers are the ones that fall behind: that figure then stayed at the slow sockets'
 * pace (2 MiB/s while fast sockets brought 8–16), so no slow socket ever looked slow enough to
 * close. A range's speed at its end is a whole range's average, so a reader behind its server
 * can only make it lower. Keyed by any object (SegmentedFetch uses the loop's retire controller).
 */
export class SocketSpeeds {
  readonly #speeds = new Map<object, number>()

  /** The loop's speed on the range it just ended over its own socket; 0 or less: unknown. */
  set(loop: object, speed: number): void {
    if (speed > 0) this.#speeds.set(loop, speed)
    else this.#speeds.delete(loop)
  }

  /** The loop ended (its socket closed with it). */
  delete(loop: object): void {
    this.#speeds.delete(loop)
  }

  /** The fastest live loop's last speed, bytes/s (0: none measured). */
  fastest(): number {
    let fastest = 0
    for (const speed of this.#speeds.values()) if (speed > fastest) fastest = speed
    return fastest
  }
}
