import type { HistoryEntry } from '../../../../shared/protocol/details.ts'
import { d } from './details-strings.ts'

// Made on first use, not when the module is evaluated: the first Intl.DateTimeFormat of a page
// costs tens of ms in Chromium (ICU's time zone and calendar data), which the window's first
// rows should not wait for (bench:ui --profile-load; docs/benchmarks.md).
let time: Intl.DateTimeFormat | undefined
const formatTime = (at: number): string =>
  (time ??= new Intl.DateTimeFormat('en', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  })).format(at)

/** The download's timeline, oldest first: time, kind, status code, message and error reason. */
export function Timeline({
  entries,
  dropped,
}: {
  readonly entries: readonly HistoryEntry[]
  readonly dropped: number
}) {
  return (
    <section className="details__section" aria-label={d.timeline}>
      <h3 className="details__heading">{d.timeline}</h3>
      {dropped > 0 && <p className="details__caption">{d.dropped(dropped)}</p>}
      <ol className="timeline">
        {entries.map((entry, i) => (
          <li key={i} className="timeline__entry" data-kind={entry.kind} data-level={entry.level}>
            <time dateTime={new Date(entry.at).toISOString()} className="timeline__time">
              {formatTime(entry.at)}
            </time>
            <span className="timeline__kind">{d.kinds[entry.kind]}</span>
            {entry.status !== undefined && (
              <span className="timeline__status">HTTP {entry.status}</span>
            )}
            <span className="timeline__message">{entry.message}</span>
            {entry.error && entry.error.message !== entry.message && (
              <span className="timeline__reason">
                {entry.error.code}: {entry.error.message}
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  )
}
