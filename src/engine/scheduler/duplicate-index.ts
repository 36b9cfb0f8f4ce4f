import { normalizeUrlKey } from '../../shared/protocol/url.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { DuplicateKey } from '../model/duplicate-key.ts'

/**
 * The URL part of a record's duplicate key. Most URLs have no userinfo and no fragment: the key
 * is the record's own `url` string (the same string, not a copy).
 */
export function urlKeyOf(url: string): string {
  return url.includes('@') || url.includes('#') ? normalizeUrlKey(new URL(url)) : url
}

/**
 * The queue's downloads by duplicate key, so an add or a rename never scans the queue. Keyed by
 * URL, holding the ids saving it (almost always one): the map's keys are the records' own URL
 * strings, where a `url\ndir\nname` key per download would be a second copy of every URL
 * (docs/benchmarks.md, "Figures behind the engine's comments"). A record is indexed under what
 * it has when `add` is called: `delete` it before its URL, folder or requested name changes,
 * and `add` it again after.
 */
export class DuplicateIndex {
  #byUrl = new Map<string, string | string[]>()
  #recordOf: (id: string) => DownloadRecord | undefined

  constructor(recordOf: (id: string) => DownloadRecord | undefined) {
    this.#recordOf = recordOf
  }

  /**
   * The download with this key, other than `except`, if there is one: the latest added when
   * there are several (a URL downloaded again), so a rerun continues the newest of them.
   * `where` narrows it (the one still to be finished, say).
   */
  find(
    key: DuplicateKey,
    except?: string,
    where?: (record: DownloadRecord) => boolean,
  ): string | undefined {
    const held = this.#byUrl.get(key.urlKey)
    if (held === undefined) return undefined
    const ids = typeof held === 'string' ? [held] : held
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i]!
      if (id === except) continue
      const record = this.#recordOf(id)
      if (record && record.dir === key.dir && record.requestedName === key.requestedName)
        if (!where || where(record)) return id
    }
    return undefined
  }

  add(record: DownloadRecord): void {
    const urlKey = urlKeyOf(record.url)
    const held = this.#byUrl.get(urlKey)
    if (held === undefined) this.#byUrl.set(urlKey, record.id)
    else if (typeof held === 'string') {
      if (held !== record.id) this.#byUrl.set(urlKey, [held, record.id])
    } else if (!held.includes(record.id)) held.push(record.id)
  }

  delete(record: DownloadRecord): void {
    const urlKey = urlKeyOf(record.url)
    const held = this.#byUrl.get(urlKey)
    if (held === record.id) this.#byUrl.delete(urlKey)
    else if (Array.isArray(held)) {
      const rest = held.filter((id) => id !== record.id)
      if (rest.length === held.length) return
      this.#byUrl.set(urlKey, rest.length === 1 ? rest[0]! : rest)
    }
  }
}
