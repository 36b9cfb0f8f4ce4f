import { useEffect } from 'react'
import type { DownloadState } from '../../../../shared/protocol/model.ts'
import * as commands from '../../store/commands.ts'

/** Completed rows shown since the last look, asked about together. */
const pending = new Set<string>()
/** When each row was last looked at: a row shown again (scrolled back to) after a while is looked at again. */
const looked = new Map<string, number>()
const LOOK_AGAIN_MS = 60_000
let timer: ReturnType<typeof setTimeout> | null = null
/** Rows shown while scrolling arrive over a few frames: one engine call for them all. */
const GATHER_MS = 300

/**
 * A completed row, when shown, has its file looked at (batched: one `checkFiles` for the rows
 * of a screen; at most once a minute per row), so a file deleted while the window was open
 * reads "Completed — file missing" when its row comes into view.
 */
export function useFileLook(id: string, state: DownloadState): void {
  useEffect(() => {
    if (state !== 'completed') return
    const now = Date.now()
    if (now - (looked.get(id) ?? -Infinity) < LOOK_AGAIN_MS) return
    looked.set(id, now)
    pending.add(id)
    timer ??= setTimeout(() => {
      timer = null
      const ids = [...pending]
      pending.clear()
      void commands.checkFiles(ids)
    }, GATHER_MS)
  }, [id, state])
}
