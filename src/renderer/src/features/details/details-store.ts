import { create } from 'zustand'

/**
 * Which download the details panel shows, and which one the change-URL dialog asks about. A
 * store of its own (not the app's ui slice) so the feature stays in its folder; the list only
 * calls these actions.
 */
export type DetailsState = {
  /** The row whose details are open; null when the panel is closed. */
  readonly openId: string | null
  /** The row whose URL the dialog asks for; null when closed. */
  readonly changeUrlId: string | null
  /** The downloads "Choose another folder…" asks a folder for; null when closed. */
  readonly changeFolderIds: readonly string[] | null
}

export const useDetailsStore = create<DetailsState>()(() => ({
  openId: null,
  changeUrlId: null,
  changeFolderIds: null,
}))

export function openDetails(id: string): void {
  useDetailsStore.setState({ openId: id })
}

/** Closes the panel and gives focus back to the row it was about. */
export function closeDetails(): void {
  const id = useDetailsStore.getState().openId
  useDetailsStore.setState({ openId: null })
  if (id !== null)
    document.querySelector<HTMLElement>(`[role="row"][data-id="${CSS.escape(id)}"]`)?.focus()
}

export function askChangeUrl(id: string): void {
  useDetailsStore.setState({ changeUrlId: id })
}

export function closeChangeUrl(): void {
  useDetailsStore.setState({ changeUrlId: null })
}

export function askChangeFolder(ids: readonly string[]): void {
  if (ids.length > 0) useDetailsStore.setState({ changeFolderIds: ids })
}

export function closeChangeFolder(): void {
  useDetailsStore.setState({ changeFolderIds: null })
}

/** Tests: back to closed. */
export function resetDetailsStore(): void {
  useDetailsStore.setState({ openId: null, changeUrlId: null, changeFolderIds: null })
}
