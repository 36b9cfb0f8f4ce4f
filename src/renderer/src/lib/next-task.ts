/**
 * Tasks of the page's loop: a callback or a promise run after the tasks already queued (input,
 * rendering, socket messages), for work split so that no task runs long.
 */

/** A task after the ones already queued, without setTimeout's clamping to 4 ms when nested. */
export function nextTask(): (task: () => void) => void {
  if (typeof MessageChannel === 'undefined') return (task) => setTimeout(task, 0)
  const channel = new MessageChannel()
  const tasks: (() => void)[] = []
  // The DOM's port (Node's, where tests run the browser transport, takes the same property and
  // must not keep the process alive).
  const port = channel.port1 as unknown as { onmessage: (() => void) | null; unref?: () => void }
  port.onmessage = () => tasks.shift()?.()
  port.unref?.()
  return (task) => {
    tasks.push(task)
    channel.port2.postMessage(null)
  }
}

let shared: ((task: () => void) => void) | null = null

/**
 * Resolves in a task of its own, after the ones already queued: `await yieldTask()` between two
 * pieces of work gives the page its loop back (a click, a frame, a socket message) in between.
 */
export function yieldTask(): Promise<void> {
  shared ??= nextTask()
  const schedule = shared
  return new Promise((resolve) => schedule(() => resolve()))
}
