import './tooltip.css'
import { useId, useState } from 'react'
import type { KeyboardEvent, ReactElement } from 'react'

export type TooltipProps = {
  /** The tooltip text; also the accessible description of the control. */
  readonly text: string
  /** Renders the control, wiring `describedBy` to its `aria-describedby`. */
  readonly children: (describedBy: string) => ReactElement
}

/**
 * A tooltip shown on hover and on keyboard focus, dismissible with Escape (WCAG 1.4.13). Used
 * instead of `title`, which shows neither on focus nor on a disabled button.
 */
export function Tooltip({ text, children }: TooltipProps) {
  const id = useId()
  const [dismissed, setDismissed] = useState(false)
  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') setDismissed(true)
  }
  const reset = (): void => setDismissed(false)
  return (
    <span
      className="tooltip-anchor"
      data-dismissed={dismissed}
      onKeyDown={onKeyDown}
      onMouseLeave={reset}
      onBlur={reset}
    >
      {children(id)}
      <span role="tooltip" id={id} className="tooltip">
        {text}
      </span>
    </span>
  )
}
