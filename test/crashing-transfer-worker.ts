/**
 * The real transfer worker, which dies (an uncaught exception, as a bug or an out-of-memory
 * would end it) 300 ms after it is given its first segment: for tests of what the pool does
 * when a worker is lost mid-transfer.
 */
import { parentPort } from 'node:worker_threads'
import '../src/engine/transfer/transfer-worker.ts'

parentPort!.on('message', (message: { type: string }) => {
  if (message.type !== 'fetch') return
  setTimeout(() => {
    throw new Error('the transfer worker crashed (test)')
  }, 300)
})
