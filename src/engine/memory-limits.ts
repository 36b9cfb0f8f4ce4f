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
 * (docs/benchmarks.md, W5, and "Figures behind the engine's comments"). Small heaps are
 * unaffected (V8's minimum limits apply).
 */
export const ENGINE_HOST_NODE_FLAGS = [
  '--max-semi-space-size=1',
  '--heap-growing-percent=30',
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
