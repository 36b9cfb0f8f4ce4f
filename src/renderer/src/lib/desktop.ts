/**
 * What only the desktop window can do with a download's file (the browser page cannot reach the
 * disk): open it, or show it in the file manager. Main resolves the path by id.
 */
export function hasDesktopFiles(): boolean {
  return window.downpour !== undefined
}

export function openDownload(id: string): void {
  void window.downpour?.openDownload(id).catch(() => {})
}

export function showDownload(id: string): void {
  void window.downpour?.showDownload(id).catch(() => {})
}
