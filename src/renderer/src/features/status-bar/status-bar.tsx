import './status-bar.css'
import { formatBytes } from '../../../../shared/format.ts'
import { useNow } from '../../lib/use-now.ts'
import { useAppStore } from '../../store/app-store.ts'
import { t } from '../../strings.ts'
import { useEffect } from 'react'
import { pageLag } from '../../store/page-lag.ts'
import { engineTraffic } from '../../store/engine-traffic.ts'
import { heartbeatHealth } from './heartbeat.ts'
import { SpeedLimit } from './speed-limit.tsx'
import { openSettings, settingsText } from '../settings/settings-open.ts'
import type { Health } from './heartbeat.ts'

const healthText: Record<Exclude<Health, 'failed' | 'catching-up'>, string> = {
  connecting: t.statusBar.connecting,
  live: t.statusBar.live,
  late: t.statusBar.late,
  dead: t.statusBar.notResponding,
  reconnecting: t.statusBar.reconnecting,
}

/** Total speed, active and queued counts, and the engine's heartbeat light. */
export function StatusBar({ onRestart }: { readonly onRestart?: () => void }) {
  // The engine's figure is smoothed and decays after the last transfer ends: nothing active
  // means nothing is moving.
  const speed = useAppStore((s) => (s.view.counts.active > 0 ? s.downloads.speed : 0))
  const active = useAppStore((s) => s.view.counts.active)
  const queued = useAppStore((s) => s.view.counts.queued)
  const status = useAppStore((s) => s.connection.status)
  const lastBeatAt = useAppStore((s) => s.connection.lastBeatAt)
  const beatDelay = useAppStore((s) => s.connection.beatDelay)
  const backlog = useAppStore((s) => s.connection.backlog)
  const canRestart = useAppStore((s) => s.connection.canRestart)
  // The light ages with time, not with events: a half-second clock while connected.
  const now = useNow(500, status.kind === 'connected')
  // The page's own stalls are measured while the light is shown (see PageLag).
  useEffect(() => pageLag.start(), [])
  const stalledMs = lastBeatAt === null ? 0 : pageLag.stalledSince(lastBeatAt)
  const { lastEventAt } = engineTraffic
  const stalledSinceEventMs = lastEventAt === null ? 0 : pageLag.stalledSince(lastEventAt)
  const health = heartbeatHealth(status, lastBeatAt, now, {
    stalledMs,
    beatDelay,
    backlog,
    lastEventAt,
    stalledSinceEventMs,
  })
  const text =
    status.kind === 'failed' || health === 'failed'
      ? t.statusBar.failed(status.kind === 'failed' ? status.message : '')
      : health === 'catching-up'
        ? t.statusBar.catchingUp(backlog)
        : healthText[health]
  return (
    <footer className="status-bar" aria-label={t.statusBar.label}>
      <div className="status-bar__health" role="status" data-health={health}>
        <span className="status-bar__light" aria-hidden="true" />
        {text}
        {status.kind === 'failed' && status.canRestart && canRestart && onRestart && (
          <button type="button" className="button button--small" onClick={onRestart}>
            {t.statusBar.restart}
          </button>
        )}
      </div>
      <div className="status-bar__figures">
        <span className="status-bar__speed">↓ {t.statusBar.speed(formatBytes(speed))}</span>
        <SpeedLimit />
        {status.kind === 'connected' && (
          <button type="button" className="speed-limit__button" onClick={openSettings}>
            {settingsText.open}
          </button>
        )}
        {/* Also in the filter tabs: a narrow window hides them here (status-bar.css). */}
        <span className="status-bar__count">{t.statusBar.active(active)}</span>
        <span className="status-bar__count">{t.statusBar.queued(queued)}</span>
      </div>
    </footer>
  )
}
