import type { AddResult, Selection } from '../../../shared/protocol/api.ts'
import { EVENT_ROWS } from '../../../shared/protocol/events.ts'
import type { AddRequest } from '../../../shared/protocol/model.ts'
import { t } from '../strings.ts'
import { useAppStore } from './app-store.ts'
import { currentClient } from './engine-sink.ts'
import { showError } from './ui-actions.ts'

/**
 * Commands to the engine. They change nothing in the store themselves: the engine answers with
 * events, and the sink applies them, so the window shows what the engine did, not what it was
 * asked to do. A refusal is shown to the person.
 */
async function run<T>(
  command: (client: NonNullable<ReturnType<typeof currentClient>>) => Promise<T>,
): Promise<T | null> {
  const client = currentClient()
  if (client === null) return null
  try {
    return await command(client)
  } catch (error) {
    showError(t.commandFailed((error as Error).message))
    return null
  }
}

const ids = (list: readonly string[]): Selection => ({ ids: [...list] })

export function pause(list: readonly string[]) {
  return list.length === 0 ? null : run((c) => c.pause(ids(list)))
}

export function resume(list: readonly string[]) {
  return list.length === 0 ? null : run((c) => c.resume(ids(list)))
}

export function retry(list: readonly string[]) {
  return list.length === 0 ? null : run((c) => c.retry(ids(list)))
}

/** Starts queued or paused downloads at once, past "Downloads at once" (see `startNow`). */
export function startNow(list: readonly string[]) {
  return list.length === 0 ? null : run((c) => c.startNow(ids(list)))
}

export function remove(list: readonly string[], deleteFiles: boolean) {
  return list.length === 0 ? null : run((c) => c.remove(ids(list), { deleteFiles }))
}

/**
 * Asks the engine to look whether these completed downloads' files are still there; the
 * answer arrives as `download/changed` (`fileMissing`). Quietly nothing when offline.
 */
export function checkFiles(list: readonly string[]) {
  return list.length === 0 ? null : run((c) => c.checkFiles(ids(list)))
}

export function pauseAll() {
  return run((c) => c.pause({ all: true }))
}

export function resumeAll() {
  return run((c) => c.resume({ all: true }))
}

/** Every failed download, in one engine call (the engine picks the failed ones). */
export function retryFailed() {
  return run((c) => c.retry({ all: true }))
}

export function removeCompleted() {
  const { byId, order } = useAppStore.getState().downloads
  const done = order.filter((id) => byId[id]?.state === 'completed')
  return done.length === 0 ? null : run((c) => c.remove(ids(done)))
}

/**
 * Space on a selection: pauses it if anything in it can pause, else resumes what is paused and
 * retries what failed.
 */
export function toggle(list: readonly string[]) {
  const { byId } = useAppStore.getState().downloads
  const states = list.map((id) => byId[id]?.state)
  const pausable = list.filter((_, i) => canPause(states[i]))
  if (pausable.length > 0) return pause(pausable)
  const paused = list.filter((_, i) => states[i] === 'paused')
  const failed = list.filter((_, i) => states[i] === 'failed')
  return Promise.all([resume(paused), retry(failed)])
}

export function canPause(state: string | undefined): boolean {
  return (
    state === 'queued' || state === 'probing' || state === 'downloading' || state === 'retrying'
  )
}

/**
 * Adds downloads; resolves with the engine's answer (refusals included, indexes into
 * `requests`), or null when offline. A long list goes as calls of `EVENT_ROWS` requests, sent
 * at once in order (the engine takes them in that order): each answer repeats its downloads in
 * full, and one answer for 10,000 was ~4 MB of JSON the page parsed in one task (a long task no
 * slicing can split), after the server had read and checked the whole list before the first
 * download could start.
 */
export function add(requests: AddRequest[]): Promise<AddResult | null> {
  if (requests.length <= EVENT_ROWS) return run((c) => c.add(requests))
  return run(async (c) => {
    const calls: Promise<AddResult>[] = []
    for (let start = 0; start < requests.length; start += EVENT_ROWS) {
      const part = c.add(requests.slice(start, start + EVENT_ROWS))
      calls.push(
        part.then(({ added, rejected }) => ({
          added,
          rejected: rejected.map((r) => ({ ...r, index: r.index + start })),
        })),
      )
    }
    const answers = await Promise.all(calls)
    return {
      added: answers.flatMap((a) => a.added),
      rejected: answers.flatMap((a) => a.rejected),
    }
  })
}
