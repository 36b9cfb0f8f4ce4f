import type { ConnectionStatus, EngineConnection } from '../../../../shared/protocol/connection.ts'
import type { EngineClient } from '../../../../shared/protocol/rpc.ts'

/**
 * The bookkeeping both transports share: the current status and client, and their listeners.
 * A transport calls `setStatus` / `setClient`; the UI sees an `EngineConnection`.
 */
export class ConnectionHub {
  readonly host: EngineConnection['host']
  #status: ConnectionStatus = { kind: 'connecting' }
  #client: EngineClient | null = null
  #statusListeners = new Set<(status: ConnectionStatus) => void>()
  #clientListeners = new Set<(client: EngineClient) => void>()

  constructor(host: EngineConnection['host']) {
    this.host = host
  }

  status(): ConnectionStatus {
    return this.#status
  }

  client(): EngineClient | null {
    return this.#client
  }

  setStatus(status: ConnectionStatus): void {
    this.#status = status
    for (const listener of [...this.#statusListeners]) listener(status)
  }

  /** Replaces the client; the previous one is disposed (its pending calls reject). */
  setClient(client: EngineClient | null): void {
    const previous = this.#client
    this.#client = client
    previous?.dispose()
    if (client) for (const listener of [...this.#clientListeners]) listener(client)
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener)
    return () => this.#statusListeners.delete(listener)
  }

  onClient(listener: (client: EngineClient) => void): () => void {
    this.#clientListeners.add(listener)
    if (this.#client) listener(this.#client)
    return () => this.#clientListeners.delete(listener)
  }

  /** The part of `EngineConnection` every transport has. */
  connection(): EngineConnection {
    return {
      host: this.host,
      status: () => this.status(),
      onStatus: (listener) => this.onStatus(listener),
      client: () => this.client(),
      onClient: (listener) => this.onClient(listener),
    }
  }
}
