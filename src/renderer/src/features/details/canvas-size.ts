/**
 * Sizes a canvas's backing store to its CSS box times the device pixel ratio and scales the
 * context to match, so drawing code works in CSS pixels and lines stay sharp on HiDPI screens
 * (a 1:1 backing store is blurry at 2×). Returns null where there is no 2D context (jsdom).
 */
export function prepareCanvas(
  canvas: HTMLCanvasElement,
  cssHeight: number,
): { ctx: CanvasRenderingContext2D; width: number; height: number } | null {
  const ctx = canvas.getContext?.('2d')
  if (!ctx) return null
  const ratio = Math.max(1, Math.min(4, globalThis.devicePixelRatio || 1))
  const width = Math.max(1, canvas.clientWidth || 480)
  canvas.width = Math.round(width * ratio)
  canvas.height = Math.round(cssHeight * ratio)
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
  return { ctx, width, height: cssHeight }
}
