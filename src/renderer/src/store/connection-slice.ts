import type { StateCreator } from 'zustand'
import type { ConnectionStatus } from '../../../shared/protocol/connection.ts'

/** The link to the engine: what the shell reports, and when the engine last showed it is alive. */
export type ConnectionState = {
  readonly status: ConnectionStatus
  readonly host: 'desktop' | 'browser'
  /** `Date.now()` when the last heartbeat arrived; null before the first. */
  readonly lastBeatAt: number | null
  /**
   * How much later than the quickest recent beat the last one arrived, by the engine's clock
   * (BeatClock): time it waited for the page or the socket, not the engine's.
   */
  readonly beatDelay: number
  /** Rows the page still has to apply (a snapshot read in parts); 0 when it is up to date. */
  readonly backlog: number
  /** Desktop-only extras the shell offers (native folder picker, restart). */
  readonly canPickFolder: boolean
  readonly canRestart: boolean
}

export type ConnectionSlice = { readonly connection: ConnectionState }

export const initialConnection: ConnectionState = {
  status: { kind: 'connecting' },
  host: 'browser',
  lastBeatAt: null,
  beatDelay: 0,
  backlog: 0,
  canPickFolder: false,
  canRestart: false,
}

export const createConnectionSlice: StateCreator<
  ConnectionSlice,
  [],
  [],
  ConnectionSlice
> = () => ({
  connection: initialConnection,
})
