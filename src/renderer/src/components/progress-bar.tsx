import './progress-bar.css'
export type ProgressBarProps = {
  /** Whole percent, or null while the total is unknown (then the bar is indeterminate). */
  readonly percent: number | null
  readonly label: string
  /** The figure a screen reader hears, e.g. "12 MiB of 700 MiB". */
  readonly valueText?: string
  readonly tone: string
}

/** A determinate bar (`role="progressbar"` with aria values), indeterminate while size is unknown. */
export function ProgressBar({ percent, label, valueText, tone }: ProgressBarProps) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={percent === null ? undefined : 0}
      aria-valuemax={percent === null ? undefined : 100}
      aria-valuenow={percent ?? undefined}
      aria-valuetext={valueText}
      data-tone={tone}
      data-indeterminate={percent === null}
    >
      {/* No transform while indeterminate: the slide animates it (progress-bar.css). */}
      <div
        className="progress__fill"
        style={percent === null ? undefined : { transform: `scaleX(${percent / 100})` }}
      />
    </div>
  )
}
