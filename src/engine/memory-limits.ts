import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'

/**
 * Memory settings for the threads and processes that run the engine.
 *
 * A download moves every byte through JavaScript, so each thread allocates fast and V8 grows
 * its young generation to the maximum (16 MiB semi-spaces, ~48 MiB per isolate) although almost
 * nothing in it survives: socket chunks live until their ~1 MiB write is issued, then die. A
 * small young generation means more (cheap, mostly empty) scavenges and ~45 MB less resident
 * memory per busy thread, at no measured cost in speed (docs/benchmarks.md, "What changed").
 */

/** Young generation of a transfer worker thread, MiB (`resourceLimits.maxYoungGenerationSizeMb`). */
export const WORKER_YOUNG_GENERATION_MB = 4

/** How much the old generation may grow between full GCs once the heap is large, percent. */
export const BOUNDED_HEAP_GROWING_PERCENT = 30

/**
 * V8 flags for a process that hosts the engine on its main thread: the CLI launcher
 * (`bin/downpour.mjs`'s shebang), the benchmark, and later the Electron utility process
 * (`execArgv`) and `downpour serve`. They cannot be set from inside a running process (V8 sizes the heap at
 * start-up), so every launcher passes them on the command line.
 *
 * `--heap-growing-percent=30`: after a full GC, V8 lets the old generation grow to up to ~4×
 * what survived before the next one. With a 1 MiB young generation, most of what a long list
 * allocates while it is read and added is promoted, so the heap of a long queue grows to
 * several times what is live before it is collected, and a process keeps the pages it grew to;
 * a tighter growth factor keeps the peak near what is live, at no cost to the first byte
 * (docs/benchmarks.md, W5, and "Figures behind the engine's comments"). Small heaps are not
 * unaffected: see boundHeapGrowthWhenLarge, which lets V8 choose again while the heap is small.
 */
export const ENGINE_HOST_NODE_FLAGS = [
  '--max-semi-space-size=1',
  `--heap-growing-percent=${BOUNDED_HEAP_GROWING_PERCENT}`,
] as const

/**
 * Environment for such a process, set by its launcher (glibc reads it before Node starts; other
 * C libraries ignore it). glibc gives every thread that allocates its own malloc arena and
 * rarely returns their free pages: the main thread, four libuv threads and V8's helpers keep
 * more resident with an arena each, and one arena costs no measured speed (docs/benchmarks.md,
 * "What changed" and "Figures behind the engine's comments").
 */
export const ENGINE_HOST_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' }

/** `NAME=value` words for `env` (a shebang's `env -S`, the benchmark's command lines). */
export function engineHostEnvWords(): string[] {
  return Object.entries(ENGINE_HOST_ENV).map(([name, value]) => `${name}=${value}`)
}

/**
 * Room V8 should leave after a full GC before the next one, at least: what a download's bytes
 * hold outside the heap between two scavenges (socket chunks, write buffers) must fit in it.
 * W1 (1 GiB): ~8 MB of room gave ~50 full GCs, ~18 MB ~25, ~26 MB ~11, 32 MB 2–3. More room is
 * more garbage kept between full GCs: W2's peak RSS 105 → 120 MiB with 32 MB, 151 with 64
 * (docs/benchmarks.md, issue 22's W4 CPU).
 */
export const MIN_HEAP_ROOM_BYTES = 32 * 1024 * 1024

/**
 * The growth allowed after a full GC left `usedBytes` in use, percent: BOUNDED_HEAP_GROWING_PERCENT
 * for a heap of MIN_HEAP_ROOM_BYTES or more (a long queue), else enough for that much room
 * (in steps of 10 %, so the flag changes rarely).
 */
export function heapGrowingPercent(usedBytes: number): number {
  if (usedBytes >= MIN_HEAP_ROOM_BYTES) return BOUNDED_HEAP_GROWING_PERCENT
  const needed = Math.ceil((MIN_HEAP_ROOM_BYTES / Math.max(usedBytes, 1)) * 10) * 10
  // The engine's heap is never below ~10 MB; the cap keeps the flag a sane integer.
  return Math.min(1000, Math.max(BOUNDED_HEAP_GROWING_PERCENT, needed))
}

let growthPolicy: PerformanceObserver | null = null

/**
 * Keeps `--heap-growing-percent=30` for large heaps only. With it, V8's limit after a full GC
 * is the heap in use plus max(30 %, ~8 MB), and V8 counts the external memory allocated since
 * (the socket chunks' 64 KiB buffers until a scavenge frees them, the 1 MiB write buffers)
 * against that room: a small heap (~13 MB while a 1 GiB download runs) then marked the whole
 * heap every ~20 MB received, ~50 full GCs per GiB and about half the engine thread's CPU
 * (docs/benchmarks.md, issue 22's W4 CPU). Below MIN_HEAP_ROOM_BYTES in use the growth is set
 * so that the room is MIN_HEAP_ROOM_BYTES; a 100,000-download queue (~100 MB live) stays at
 * 30 %. (V8's own factor, `--heap-growing-percent=0`, was not enough: it depends on the GC's and
 * the program's speeds and left the storm on in 2 of 6 runs.) V8 reads the flag at each full GC,
 * so it can change at run time; it is process-wide (transfer workers included). Set after each
 * full GC of the engine's thread.
 */
export function boundHeapGrowthWhenLarge(): void {
  // Only where the launcher bounded growth (not in tests or a bare `node`).
  if (growthPolicy || !process.execArgv.includes(ENGINE_HOST_NODE_FLAGS[1])) return
  let percent = BOUNDED_HEAP_GROWING_PERCENT
  growthPolicy = new PerformanceObserver((list) => {
    const full = list
      .getEntries()
      .some(
        (entry) =>
          (entry as { detail?: { kind?: number } }).detail?.kind ===
          perfConstants.NODE_PERFORMANCE_GC_MAJOR,
      )
    if (!full) return
    const next = heapGrowingPercent(getHeapStatistics().used_heap_size)
    if (next === percent) return
    percent = next
    setFlagsFromString(`--heap-growing-percent=${percent}`)
  })
  growthPolicy.observe({ entryTypes: ['gc'] })
}
