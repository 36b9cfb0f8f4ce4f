import { createEngine, type Engine, type EngineOptions } from '../engine/engine.ts'
import { DownpourError, ERROR_CODES } from '../shared/protocol/errors.ts'

const POLL_MS = 250

/**
 * Opens the engine on `options.stateDir`; while another downpour holds that folder, says so
 * once (`onWait`) and waits for it to finish instead of downloading the same files twice.
 */
export async function openEngineWaiting(
  options: EngineOptions,
  onWait: (message: string) => void,
): Promise<Engine> {
  let told = false
  for (;;) {
    try {
      return await createEngine(options)
    } catch (error) {
      if (!(error instanceof DownpourError) || error.code !== ERROR_CODES.stateLocked) throw error
      if (!told) {
        const pid = /\(pid (\d+)\)/.exec(error.message)?.[1]
        onWait(
          `another downpour${pid ? ` (pid ${pid})` : ''} is using ${options.stateDir}; waiting…`,
        )
        told = true
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }
}
