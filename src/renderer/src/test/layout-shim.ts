/**
 * happy-dom has no layout: every element measures 0 × 0, so a virtualized list would show no
 * rows. Scroll containers get a fixed viewport here (the list 600 px, the add preview 220 px),
 * as a window would; everything else keeps measuring 0.
 */
const viewports: [selector: string, width: number, height: number][] = [
  ['.grid-scroll', 1000, 600],
  ['.preview', 700, 220],
]

function measure(element: HTMLElement, axis: 0 | 1): number {
  for (const [selector, width, height] of viewports)
    if (element.matches(selector)) return axis === 0 ? width : height
  return 0
}

export function installLayoutShim(): void {
  for (const [name, axis] of [
    ['offsetWidth', 0],
    ['clientWidth', 0],
    ['offsetHeight', 1],
    ['clientHeight', 1],
  ] as const) {
    Object.defineProperty(HTMLElement.prototype, name, {
      configurable: true,
      get(this: HTMLElement) {
        return measure(this, axis)
      },
    })
  }
}
