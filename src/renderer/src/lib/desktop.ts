/**
 * What only the desktop window can do with a download's file (the browser page cannot reach the
 * disk): open it, or show it in the file manager. Main resolves the path by id.
 */
export function hasDesktopFiles(): boolean {
  return window.downpour !== undefined
}

/** Resolves once opened; rejects with the desktop side's reason (the caller says it). */
export async function openDownload(id: string): Promise<void> {
  await window.downpour?.openDownload(id)
}

export async function showDownload(id: string): Promise<void> {
  await window.downpour?.showDownload(id)
}
