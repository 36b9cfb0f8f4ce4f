import { useEffect, useRef, useState } from 'react'
import type { KeyboardEvent } from 'react'
import type { DownloadDetails } from '../../../../shared/protocol/details.ts'
import { Icon } from '../../components/icon.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { ask } from '../../store/engine-door.ts'
import * as commands from '../../store/commands.ts'
import { ConnectionMap } from './connection-map.tsx'
import { DownloadLimitField } from './download-limit-field.tsx'
import {
  askChangeFolder,
  askChangeUrl,
  closeDetails,
  openDetails,
  useDetailsStore,
} from './details-store.ts'
import { isFolderGone } from '../download-list/row-actions.ts'
import { d } from './details-strings.ts'
import { SpeedGraph } from './speed-graph.tsx'
import { Timeline } from './timeline.tsx'
import { useSegmentMap } from './use-segment-map.ts'
import './details.css'

/**
 * The details drawer for one download, beside the list (not modal: the list stays usable, and
 * the drawer follows the focused row). A labelled region inside `main` (a complementary
 * landmark there would not be top level). Focus moves into it on open; Escape or Close shuts it
 * and gives focus back to the row.
 */
export function DetailsPanel() {
  const openId = useDetailsStore((s) => s.openId)
  const exists = useAppStore((s) => (openId === null ? false : openId in s.downloads.byId))
  const focusedId = useAppStore((s) => s.ui.focusedId)
  // The drawer follows the row the person moves to in the list.
  useEffect(() => {
    if (openId !== null && focusedId !== null && focusedId !== openId) openDetails(focusedId)
  }, [focusedId, openId])
  // A removed download takes its drawer with it.
  useEffect(() => {
    if (openId !== null && !exists) closeDetails()
  }, [openId, exists])
  if (openId === null || !exists) return null
  return <DetailsBody key={openId} id={openId} />
}

function DetailsBody({ id }: { readonly id: string }) {
  const ref = useRef<HTMLElement>(null)
  const name = useAppStore((s) => s.downloads.byId[id]?.name ?? id)
  const state = useAppStore((s) => s.downloads.byId[id]?.state)
  const url = useAppStore((s) => s.downloads.byId[id]?.url)
  const tries = useAppStore((s) => s.downloads.byId[id]?.tries)
  const folderGone = useAppStore((s) => isFolderGone(s.downloads.byId[id]))
  const details = useDetails(id, `${state}:${tries}:${url}`)
  const map = useSegmentMap(id)

  useEffect(() => {
    // Focus follows only when the person opened the drawer from somewhere outside it.
    if (!ref.current?.contains(document.activeElement)) ref.current?.focus()
  }, [])

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      closeDetails()
    }
  }
  const canChangeUrl = state === 'paused' || state === 'failed'
  const canStartNow = state === 'queued' || state === 'paused'
  return (
    <section
      ref={ref}
      className="details"
      aria-label={d.detailsOf(name)}
      tabIndex={-1}
      onKeyDown={onKeyDown}
    >
      <header className="details__header">
        <h2 className="details__title">{d.detailsOf(name)}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label={d.close}
          onClick={() => closeDetails()}
        >
          <Icon name="clear" />
        </button>
      </header>
      {(canChangeUrl || canStartNow) && (
        <div className="details__actions">
          {folderGone && (
            <button type="button" className="button" onClick={() => askChangeFolder([id])}>
              {d.chooseFolder}
            </button>
          )}
          {canStartNow && (
            <button type="button" className="button" onClick={() => void commands.startNow([id])}>
              {d.startNow}
            </button>
          )}
          {canChangeUrl && (
            <button type="button" className="button" onClick={() => askChangeUrl(id)}>
              {d.changeUrl}
            </button>
          )}
        </div>
      )}
      {state !== 'completed' && <DownloadLimitField id={id} />}
      <ConnectionMap map={map} />
      <SpeedGraph id={id} />
      {details.kind === 'loading' && <p className="details__caption">{d.loading}</p>}
      {details.kind === 'error' && (
        <p className="notice notice--error" role="alert">
          {details.message}
        </p>
      )}
      {details.kind === 'ready' && <Facts details={details.value} />}
      {details.kind === 'ready' && (
        <Timeline entries={details.value.history} dropped={details.value.historyDropped} />
      )}
    </section>
  )
}

function Facts({ details }: { readonly details: DownloadDetails }) {
  const { download } = details
  const headers = Object.entries(details.requestHeaders)
  return (
    <section className="details__section" aria-label="Facts">
      <dl className="details__facts">
        <dt>{d.url}</dt>
        <dd className="details__value">{download.url}</dd>
        <dt>{d.finalUrl}</dt>
        <dd className="details__value">{download.finalUrl ?? d.unknown}</dd>
        <dt>{d.path}</dt>
        <dd className="details__value">{details.path}</dd>
        {details.partPath !== null && (
          <>
            <dt>{d.partPath}</dt>
            <dd className="details__value">{details.partPath}</dd>
          </>
        )}
        <dt>{d.resumable}</dt>
        <dd>{download.resumable === null ? d.unknown : download.resumable ? d.yes : d.no}</dd>
      </dl>
      <h3 className="details__heading">{d.headers}</h3>
      {headers.length === 0 ? (
        <p className="details__caption">{d.noHeaders}</p>
      ) : (
        <dl className="details__headers">
          {headers.map(([key, value]) => (
            <div key={key} className="details__header-line">
              <dt>{key}</dt>
              <dd className="details__value">{value}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  )
}

type Loaded =
  | { kind: 'loading' }
  | { kind: 'ready'; value: DownloadDetails }
  | { kind: 'error'; message: string }

/** `details(id)`, asked again whenever `version` changes (a new state, try or URL). */
function useDetails(id: string, version: string): Loaded {
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' })
  useEffect(() => {
    let live = true
    void ask('details', id).then((reply) => {
      // Offline: the panel stays loading until the engine is back (and `version` moves).
      if (!live || (!reply.ok && reply.offline)) return
      setLoaded(
        reply.ok
          ? { kind: 'ready', value: reply.value }
          : { kind: 'error', message: reply.message },
      )
    })
    return () => {
      live = false
    }
  }, [id, version])
  return loaded
}
