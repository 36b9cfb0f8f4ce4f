import { isWhole } from '../src/shared/protocol/download-patch.ts'
import type { DownloadSnapshot, DownloadState } from '../src/shared/protocol/model.ts'
import type { EngineClient } from '../src/shared/protocol/rpc.ts'

/**
 * Resolves with download `id` once a client of the engine (over a port or a socket) sees it in
 * one of `states`: in its snapshot now, or in a later `download/changed`. A patch (a bulk
 * command's: only what changed) is looked up whole once its state is the one waited for.
 */
export function waitForState(
  client: EngineClient,
  id: string,
  states: DownloadState[],
): Promise<DownloadSnapshot> {
  return new Promise((resolve) => {
    const check = (download: DownloadSnapshot) => {
      if (download.id === id && states.includes(download.state)) {
        off()
        resolve(download)
      }
    }
    const off = client.on('download/changed', (e) =>
      e.changes.forEach((c) => {
        const d = c.download
        if (isWhole(d)) check(d)
        else if (d.id === id && states.includes(d.state))
          void client.snapshot().then((s) => s.downloads.forEach(check))
      }),
    )
    void client.snapshot().then((s) => s.downloads.forEach(check))
  })
}
