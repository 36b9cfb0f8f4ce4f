import { useEffect, useRef } from 'react'
import type { SegmentMap } from '../../../../shared/protocol/details.ts'
import { prepareCanvas } from './canvas-size.ts'
import { d, describeSegments, describeSource } from './details-strings.ts'

const HEIGHT = 28

/**
 * The file as a bar: finished parts filled, each connection's range outlined with its live
 * position as a tick. Drawn on a canvas; the same facts in words are its accessible name and a
 * visually hidden line (screen readers and tests read that).
 */
export function ConnectionMap({ map }: { readonly map: SegmentMap | null }) {
  const ref = useRef<HTMLCanvasElement>(null)
  const text = describeSegments(map)
  useEffect(() => {
    const canvas = ref.current
    if (canvas !== null) drawMap(canvas, map)
  }, [map])
  return (
    <section className="details__section" aria-label={d.connectionMap}>
      <h3 className="details__heading">{d.connectionMap}</h3>
      <canvas
        ref={ref}
        className="details__canvas"
        style={{ height: HEIGHT }}
        role="img"
        aria-label={text}
      />
      <p className="details__caption" data-testid="connection-map-text">
        {text}
      </p>
      {map?.sources ? (
        <ul className="details__caption" aria-label={d.sources}>
          {map.sources.map((share, i, all) => (
            <li key={share.url}>{describeSource(share, i, all)}</li>
          ))}
        </ul>
      ) : null}
    </section>
  )
}

function drawMap(canvas: HTMLCanvasElement, map: SegmentMap | null): void {
  const prepared = prepareCanvas(canvas, HEIGHT)
  if (!prepared) return
  const { ctx, width } = prepared
  const style = getComputedStyle(canvas)
  const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback
  ctx.clearRect(0, 0, width, HEIGHT)
  ctx.fillStyle = color('--track', '#e6e9ee')
  ctx.fillRect(0, 6, width, HEIGHT - 12)
  if (map === null || map.size === null || map.size === 0) return
  const x = (byte: number) => (byte / map.size!) * width
  ctx.fillStyle = color('--accent', '#2563c9')
  for (const [start, end] of map.finished)
    ctx.fillRect(x(start), 6, Math.max(1, x(end) - x(start)), HEIGHT - 12)
  ctx.strokeStyle = color('--ok', '#17743f')
  ctx.lineWidth = 1
  for (const c of map.connections) {
    ctx.strokeRect(x(c.start) + 0.5, 3.5, Math.max(1, x(c.end) - x(c.start) - 1), HEIGHT - 7)
    ctx.fillStyle = color('--ok', '#17743f')
    ctx.fillRect(x(c.pos) - 1, 1, 2, HEIGHT - 2)
  }
}
