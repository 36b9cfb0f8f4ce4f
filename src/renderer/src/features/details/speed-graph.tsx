import { memo, useEffect, useRef } from 'react'
import { formatBytes } from '../../../../shared/format.ts'
import { useAppStore } from '../../store/app-store.ts'
import { speedRecord } from '../../store/speed-record.ts'
import { d } from './details-strings.ts'
import { prepareCanvas } from './canvas-size.ts'
import { SpeedHistory } from './speed-history.ts'

const HEIGHT = 64

/** Called on every render of the graph: tests check a beat never re-renders it. */
export const speedGraphRenderProbe: { current: (() => void) | null } = { current: null }

/**
 * The last 60 s of one download's speed on a canvas, from the window's speed record. Beats
 * reach it through a transient store subscription and redraw on the next animation frame, so
 * React renders the graph once per download shown, never per beat; its words (now / peak) are written into the
 * canvas label and a hidden line directly.
 */
export const SpeedGraph = memo(function SpeedGraph({ id }: { readonly id: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null)
  const textRef = useRef<HTMLParagraphElement>(null)
  speedGraphRenderProbe.current?.()
  useEffect(() => {
    const first = useAppStore.getState()
    // The window records every moving download's speed on each beat (store/speed-record.ts),
    // panel or not: opened after a minute of downloading, the graph shows that minute.
    const history = speedRecord.pin(id, Date.now(), first.downloads.byId[id]?.speed ?? 0)
    let frame = 0
    const redraw = (): void => {
      frame = 0
      const now = Date.now()
      const samples = history.samples(now)
      const text = describeSpeed(samples.map((s) => s.speed))
      canvasRef.current?.setAttribute('aria-label', text)
      if (textRef.current) textRef.current.textContent = text
      if (canvasRef.current) drawGraph(canvasRef.current, samples, now)
    }
    const schedule = (): void => {
      if (frame === 0) frame = requestAnimationFrame(redraw)
    }
    redraw()
    // Each beat writes a new `connection` (its `lastBeatAt`) after recording its samples.
    let lastBeat = first.connection
    const unsubscribe = useAppStore.subscribe((state) => {
      if (state.connection === lastBeat) return
      const beatChanged = state.connection.lastBeatAt !== null
      lastBeat = state.connection
      if (beatChanged) schedule()
    })
    return () => {
      unsubscribe()
      speedRecord.unpin(id)
      if (frame !== 0) cancelAnimationFrame(frame)
    }
  }, [id])
  return (
    <section className="details__section" aria-label={d.speedGraph}>
      <h3 className="details__heading">{d.speedGraph}</h3>
      <canvas ref={canvasRef} className="details__canvas" style={{ height: HEIGHT }} role="img" />
      <p ref={textRef} className="details__caption" data-testid="speed-graph-text" />
    </section>
  )
})

export function describeSpeed(speeds: readonly number[]): string {
  if (speeds.length === 0) return 'No speed samples yet'
  const now = speeds[speeds.length - 1]!
  const peak = Math.max(...speeds)
  return `Now ${formatBytes(now)}/s; peak ${formatBytes(peak)}/s in the last 60 s`
}

function drawGraph(
  canvas: HTMLCanvasElement,
  samples: readonly { at: number; speed: number }[],
  now: number,
): void {
  const prepared = prepareCanvas(canvas, HEIGHT)
  if (!prepared) return
  const { ctx, width } = prepared
  const style = getComputedStyle(canvas)
  const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback
  ctx.clearRect(0, 0, width, HEIGHT)
  // The frame a reader measures against: the zero line, and the peak as a dashed line with its
  // figure, so an almost empty minute (a download that just started) still reads as a graph.
  ctx.fillStyle = color('--border', '#d5dae2')
  ctx.fillRect(0, HEIGHT - 1, width, 1)
  if (samples.length === 0) return
  const peak = Math.max(1, ...samples.map((s) => s.speed))
  const x = (at: number) => width - ((now - at) / SpeedHistory.WINDOW_MS) * width
  const y = (speed: number) => HEIGHT - 2 - (speed / peak) * (HEIGHT - 6)
  ctx.beginPath()
  ctx.moveTo(x(samples[0]!.at), HEIGHT)
  for (const s of samples) ctx.lineTo(x(s.at), y(s.speed))
  ctx.lineTo(x(samples[samples.length - 1]!.at), HEIGHT)
  ctx.closePath()
  ctx.fillStyle = color('--accent-soft', 'rgb(37 99 201 / 0.08)')
  ctx.fill()
  ctx.beginPath()
  samples.forEach((s, i) =>
    i === 0 ? ctx.moveTo(x(s.at), y(s.speed)) : ctx.lineTo(x(s.at), y(s.speed)),
  )
  ctx.strokeStyle = color('--accent', '#2563c9')
  ctx.lineWidth = 1.5
  ctx.stroke()
  if (peak <= 1) return
  ctx.setLineDash([3, 3])
  ctx.strokeStyle = color('--border', '#d5dae2')
  ctx.lineWidth = 1
  ctx.beginPath()
  ctx.moveTo(0, y(peak) + 0.5)
  ctx.lineTo(width, y(peak) + 0.5)
  ctx.stroke()
  ctx.setLineDash([])
  ctx.fillStyle = color('--text-muted', '#5b6472')
  ctx.font = `11px ${style.fontFamily || 'sans-serif'}`
  ctx.textBaseline = 'top'
  ctx.fillText(`${formatBytes(peak)}/s`, 2, y(peak) + 2)
}
