import type { ConnectionStatus, EngineConnection } from '../../../shared/protocol/connection.ts'
import type { EngineClient } from '../../../shared/protocol/rpc.ts'
import { Emitter } from '../../../shared/emitter.ts'

/**
 * A shell's connection for tests: the test decides the status and hands over clients, as a
 * real shell does on every (re)connection.
 */
export class FakeConnection implements EngineConnection {
  readonly host = 'browser' as const
  #status: ConnectionStatus = { kind: 'connecting' }
  #client: EngineClient | null = null
  #events = new Emitter<{ status: ConnectionStatus; client: EngineClient; urls: string[] }>()

  status(): ConnectionStatus {
    return this.#status
  }
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.#events.on('status', listener)
  }
  client(): EngineClient | null {
    return this.#client
  }
  onClient(listener: (client: EngineClient) => void): () => void {
    if (this.#client) listener(this.#client)
    return this.#events.on('client', listener)
  }

  /** The link came up with a new client. */
  connect(client: EngineClient): void {
    this.#client = client
    this.#status = { kind: 'connected' }
    this.#events.emit('status', this.#status)
    this.#events.emit('client', client)
  }

  setStatus(status: ConnectionStatus): void {
    this.#status = status
    this.#events.emit('status', status)
  }
}
