import './title-bar.css'
import type { ReactNode } from 'react'
import { AppMark } from './app-mark.tsx'

export type TitleBarProps = {
  /** The toolbar on the right of the title bar. */
  readonly children: ReactNode
}

/**
 * The window's title bar. In the frameless Electron window it is the drag handle for moving
 * the window, and leaves room for the native window controls (see title-bar.css).
 */
export function TitleBar({ children }: TitleBarProps) {
  return (
    <header className="title-bar">
      <div className="title-bar__brand">
        <AppMark />
        <h1 className="title-bar__name">Downpour</h1>
      </div>
      {children}
    </header>
  )
}
