import { createHash } from 'node:crypto'

/**
 * aria2 names downloads by a GID: 16 lowercase hex characters. Downpour's ids are longer
 * (UUIDs), so a GID is the first 64 bits of the id's SHA-256: the same download has the same
 * GID in every session and on every host, with no table to persist.
 */
export function gidOf(id: string): string {
  gidWork.hashed++
  return createHash('sha256').update(id).digest('hex').slice(0, 16)
}

/** GIDs worked out, counted: tests hold the view to none while no aria2 client asks for one. */
export const gidWork = { hashed: 0 }

/** Whether `text` can name a GID at all (aria2 accepts any unique prefix). */
export function isGidText(text: string): boolean {
  return /^[0-9a-fA-F]{1,16}$/.test(text)
}
