import { DOWNLOAD_STATES, type DownloadState } from '../../shared/protocol/model.ts'

/** Room for the state's index in a packed entry (more than there are states). */
const STATES = 16
const INDEX = new Map<DownloadState, number>(DOWNLOAD_STATES.map((state, i) => [state, i]))

/**
 * Each download's place in the queue (a number that orders the waiting heap; renumbered when
 * downloads are moved) and the state last announced for it (what `download/changed` reports as
 * `previousState`: transfers change a record before the scheduler hears of it). Both packed in
 * one small integer per id, `position × 16 + state`: one Map, where a Map of positions and one
 * of states would each cost a hash table as large (docs/benchmarks.md, "Figures behind the
 * engine's comments").
 */
export class QueuePlaces {
  #packed = new Map<string, number>()
  #next = 0

  /** A download joins at the end of the queue, announced in `state`. */
  add(id: string, state: DownloadState): void {
    this.#packed.set(id, this.#next++ * STATES + INDEX.get(state)!)
  }

  delete(id: string): void {
    this.#packed.delete(id)
  }

  position(id: string): number | undefined {
    const packed = this.#packed.get(id)
    return packed === undefined ? undefined : Math.floor(packed / STATES)
  }

  announced(id: string): DownloadState | undefined {
    const packed = this.#packed.get(id)
    return packed === undefined ? undefined : DOWNLOAD_STATES[packed % STATES]
  }

  /** Notes the state announced for a download of the queue (nothing for another id). */
  announce(id: string, state: DownloadState): void {
    const packed = this.#packed.get(id)
    if (packed === undefined) return
    this.#packed.set(id, packed - (packed % STATES) + INDEX.get(state)!)
  }

  /** New positions in `order`'s order (after a move); announced states are kept. */
  renumber(order: readonly string[]): void {
    this.#next = 0
    for (const id of order) {
      const packed = this.#packed.get(id)
      if (packed !== undefined) this.#packed.set(id, this.#next++ * STATES + (packed % STATES))
    }
  }
}
