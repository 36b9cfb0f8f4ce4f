import { useEffect } from 'react'
import type { DownloadState } from '../../../../shared/protocol/model.ts'
import * as commands from '../../store/commands.ts'

/** Completed rows shown since the last look, asked about together. */
const pending = new Set<string>()
/** Rows already looked at in this window: once each (start-up looked at all of them too). */
const looked = new Set<string>()
let timer: ReturnType<typeof setTimeout> | null = null
/** Rows shown while scrolling arrive over a few frames: one engine call for them all. */
const GATHER_MS = 300

/**
 * A completed row, once shown, has its file looked at (batched: one `checkFiles` for the rows
 * of a screen), so a file deleted while the window was open reads "Completed — file missing"
 * when its row comes into view.
 */
export function useFileLook(id: string, state: DownloadState): void {
  useEffect(() => {
    if (state !== 'completed' || looked.has(id)) return
    looked.add(id)
    pending.add(id)
    timer ??= setTimeout(() => {
      timer = null
      const ids = [...pending]
      pending.clear()
      void commands.checkFiles(ids)
    }, GATHER_MS)
  }, [id, state])
}
