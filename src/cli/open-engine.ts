import { access, readdir, readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { createEngine, type Engine, type EngineOptions } from '../engine/engine.ts'
import { DownpourError, ERROR_CODES } from '../shared/protocol/errors.ts'

/** Runs into one folder at once, at most (each has a queue folder of its own). */
const MAX_SLOTS = 64

/** The queue folder of slot `n` for the folder's state folder `base`: `base`, `base-2`, `base-3`… */
export function slotDir(base: string, n: number): string {
  return n === 0 ? base : `${base}-${n + 1}`
}

/**
 * Opens the engine on the first queue folder of `options.stateDir`'s slots that no live
 * downpour holds: a second run into the same folder starts at once with a queue of its own
 * instead of waiting for the first (a small download would wait behind an unrelated big
 * one). Same URLs are kept apart by the run's claims (run-claims.ts), never by
 * the folder. A rerun finds its queue in the first free slot — the first one, unless another
 * run holds it; a `.part` left in another slot's queue is taken over by its URL (the engine's
 * `adoptPartsByUrl`).
 */
export async function openEngineInSlot(
  options: EngineOptions & { stateDir: string },
): Promise<{ engine: Engine; stateDir: string }> {
  let gone = 0
  for (let n = 0; ; n++) {
    const stateDir = slotDir(options.stateDir, n)
    try {
      return { engine: await createEngine({ ...options, stateDir }), stateDir }
    } catch (error) {
      // A run that completed in this slot removed the folder between our mkdir and our lock
      // (state-cleanup.ts): the same slot again, made anew (createEngine makes the folder).
      if (!(await exists(stateDir)) && gone++ < 3) {
        n--
        continue
      }
      const locked = error instanceof DownpourError && error.code === ERROR_CODES.stateLocked
      if (!locked || n + 1 >= MAX_SLOTS) throw error
    }
  }
}

/**
 * Another live `downpour get` on this folder's slots (its queue folder's lock names a live
 * pid), other than the one in `mine`: "another downpour (pid N)", or null. Read only when a
 * download meets a `.part` of its own URL that is not its own (rare): a few small reads.
 */
export async function othersLiveIn(base: string, mine: string): Promise<string | null> {
  const parent = dirname(base)
  const prefix = basename(base)
  const names = await readdir(parent).catch(() => [] as string[])
  for (const name of names) {
    if (
      name !== prefix &&
      !(name.startsWith(`${prefix}-`) && /^\d+$/.test(name.slice(prefix.length + 1)))
    )
      continue
    const dir = `${parent}/${name}`
    if (dir === mine) continue
    const pid = Number(
      (await readFile(`${dir}/lock`, 'utf8').catch(() => '')).trim().split(/\s/)[0],
    )
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
      return `another downpour (pid ${pid})`
  }
  return null
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function exists(path: string): Promise<boolean> {
  return await access(path).then(
    () => true,
    () => false,
  )
}
