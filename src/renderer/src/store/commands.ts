import type { AddOptions, AddResult, Selection } from '../../../shared/protocol/api.ts'
import { EVENT_ROWS } from '../../../shared/protocol/events.ts'
import type { AddRequest } from '../../../shared/protocol/model.ts'
import { yieldTask } from '../lib/next-task.ts'
import { useAppStore } from './app-store.ts'
import { ask, report, send, type Reply } from './engine-door.ts'

/**
 * Commands to the engine. They change nothing in the store themselves: the engine answers with
 * events, and the sink applies them, so the window shows what the engine did, not what it was
 * asked to do. They go through the door (engine-door.ts), which shows a refusal to the person.
 */

const ids = (list: readonly string[]): Selection => ({ ids: [...list] })

export function pause(list: readonly string[]) {
  return list.length === 0 ? null : send('pause', ids(list))
}

export function resume(list: readonly string[]) {
  return list.length === 0 ? null : send('resume', ids(list))
}

export function retry(list: readonly string[]) {
  return list.length === 0 ? null : send('retry', ids(list))
}

/** Starts queued or paused downloads at once, past "Downloads at once" (see `startNow`). */
export function startNow(list: readonly string[]) {
  return list.length === 0 ? null : send('startNow', ids(list))
}

export function remove(list: readonly string[], deleteFiles: boolean) {
  return list.length === 0 ? null : send('remove', ids(list), { deleteFiles })
}

/**
 * Asks the engine to look whether these completed downloads' files are still there; the
 * answer arrives as `download/changed` (`fileMissing`). Quietly nothing when offline.
 */
export function checkFiles(list: readonly string[]) {
  return list.length === 0 ? null : send('checkFiles', ids(list))
}

export function pauseAll() {
  return send('pause', { all: true })
}

export function resumeAll() {
  return send('resume', { all: true })
}

/** Every failed download, in one engine call (the engine picks the failed ones). */
export function retryFailed() {
  return send('retry', { all: true })
}

export function removeCompleted() {
  const { byId, order } = useAppStore.getState().downloads
  const done = order.filter((id) => byId[id]?.state === 'completed')
  return done.length === 0 ? null : send('remove', ids(done))
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
 * at once in order (the engine takes them in that order): one answer for 10,000 was ~4 MB of
 * JSON the page parsed in one task (a long task no slicing can split), after the server had
 * read and checked the whole list before the first download could start. `{ answer: 'ids' }`
 * for a caller that needs no more than the refusals and the new ids: the downloads reach the
 * store through their `download/added` events anyway, and repeating them in the answers
 * doubled what the server serialized and the page parsed.
 */
export function add(requests: AddRequest[], options?: AddOptions): Promise<AddResult | null> {
  if (requests.length <= EVENT_ROWS)
    return options === undefined ? send('add', requests) : send('add', requests, options)
  return addInCalls(requests, options)
}

/**
 * Sends the calls in order, the first at once and each next one in a task of its own (see
 * `yieldTask`): sending the ten calls of 10,000 in the confirm's click made that one task
 * serialize and send 440 KB, and the first `download/added` parts waited behind it. One refusal
 * among them is shown once, like a single command's.
 */
async function addInCalls(
  requests: AddRequest[],
  options: AddOptions | undefined,
): Promise<AddResult | null> {
  const calls: Promise<Reply<AddResult>>[] = []
  for (let start = 0; start < requests.length; start += EVENT_ROWS) {
    if (start > 0) await yieldTask()
    const list = requests.slice(start, start + EVENT_ROWS)
    const part = options === undefined ? ask('add', list) : ask('add', list, options)
    calls.push(
      part.then((reply) =>
        reply.ok
          ? {
              ok: true,
              value: {
                ...reply.value,
                rejected: reply.value.rejected.map((r) => ({ ...r, index: r.index + start })),
              },
            }
          : reply,
      ),
    )
  }
  const replies = await Promise.all(calls)
  const refused = replies.find((reply) => !reply.ok)
  if (refused) return report(refused)
  const answers = replies.map((reply) => (reply as { value: AddResult }).value)
  const result: AddResult = {
    added: answers.flatMap((a) => a.added),
    rejected: answers.flatMap((a) => a.rejected),
  }
  if (options?.answer === 'ids') result.ids = answers.flatMap((a) => a.ids ?? [])
  return result
}
