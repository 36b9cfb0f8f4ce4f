// The workloads (ids from docs/research performance-anchors §7) and the exact competitor commands.
import { writeFileSync } from 'node:fs'
import {
  ensureFile,
  ensureFileSet,
  type ExpectedOutput,
  type Fixture,
  type FixtureStore,
} from './fixtures.ts'
import { GiB, KiB, MiB } from './util.ts'
import { ENGINE_HOST_NODE_FLAGS, engineHostEnvWords } from '../src/engine/memory-limits.ts'

export const WORKLOAD_IDS = ['W1', 'W2', 'W3', 'W4'] as const
export type WorkloadId = (typeof WORKLOAD_IDS)[number]

export const TOOLS = ['curl', 'wget', 'aria2c', 'downpour', 'node'] as const
export type Tool = (typeof TOOLS)[number]

/** Everything a command line needs; placeholders (DIR, URL, ...) when printing commands. */
export interface Paths {
  /** Fresh, empty output directory. */
  dir: string
  /**
   * Downpour's state folder for this run, fresh like `dir`. The CLI's default (one per output
   * folder, under ~/.local/state) outlives a run: an A/B of two builds on one output path, or a
   * run killed before it finished, left a queue the next run resumed or could not read.
   */
  state: string
  /** Output file name (single-file workloads). */
  name: string
  /** The single file's URL. */
  url: string
  /** URL list, one per line (W2). */
  list: string
  /** curl config of url/output pairs (W2). */
  cfg: string
  /** The pinned Node binary, Downpour's CLI entry, and the bare-Node reference (W2). */
  node: string
  cli: string
  floor: string
}

export const PLACEHOLDERS: Paths = {
  dir: 'DIR',
  state: 'STATE',
  name: 'NAME',
  url: 'URL',
  list: 'LIST',
  cfg: 'CFG',
  node: 'node',
  cli: 'out/main/cli.js',
  floor: 'bench/node-floor.ts',
}

export interface Competitor {
  name: string
  tool: Tool
  argv(p: Paths): string[]
}

export interface Workload {
  id: WorkloadId
  title: string
  /** Bytes every competitor must deliver. */
  bytes: number
  files: number
  /** Competitor whose median is the denominator of the ratio column. */
  baseline: string
  /** Also report p95/median of wall time. */
  tail: boolean
  /** Fixture files to keep in the page cache. */
  fixtures: Fixture[]
  expected: ExpectedOutput[]
  /** The single file's URL and output name ('' for W2). */
  url: string
  name: string
  /** An unthrottled URL of the workload's data, for the warm-up GET (null: warm from disk only). */
  warmUrl: string | null
  competitors: Competitor[]
  /** Write per-run inputs (URL list, curl config) for this output dir. */
  prepare(p: Paths): void
}

export interface WorkloadContext {
  store: FixtureStore
  baseUrl: string
  scale: number
}

/** Scaled size, rounded to 64 KiB, at least 1 MiB. */
export function scaled(bytes: number, scale: number): number {
  return Math.max(MiB, Math.round((bytes * scale) / (64 * KiB)) * 64 * KiB)
}

function basename(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1)
}

const A = (p: Paths): string[] => [
  'aria2c',
  '-q',
  '--allow-overwrite=true',
  '--auto-file-renaming=false',
  '-d',
  p.dir,
]

/** Node as every launcher of the engine starts it (src/engine/memory-limits.ts). */
function engineHost(p: Paths): string[] {
  return ['env', ...engineHostEnvWords(), p.node, ...ENGINE_HOST_NODE_FLAGS]
}

function downpour(p: Paths, opts: { name?: boolean; extra?: string[]; urls?: string[] }): string[] {
  return [
    ...engineHost(p),
    p.cli,
    'get',
    '--quiet',
    '--state-dir',
    p.state,
    '-d',
    p.dir,
    ...(opts.name === false ? [] : ['-o', p.name]),
    ...(opts.extra ?? []),
    ...(opts.urls ?? [p.url]),
  ]
}

/** Fields shared by the single-file workloads. */
async function singleFile(
  ctx: WorkloadContext,
  location: 'plain' | 'capped' | 'mixed',
  size: number,
): Promise<
  Pick<
    Workload,
    'bytes' | 'files' | 'fixtures' | 'expected' | 'warmUrl' | 'url' | 'name' | 'prepare'
  >
> {
  const f = await ensureFile(ctx.store, `f-${size}.bin`, size)
  const name = basename(f.rel)
  return {
    bytes: size,
    files: 1,
    fixtures: [f],
    expected: [{ name, size, sha256: f.sha256 }],
    warmUrl: `${ctx.baseUrl}/plain/${f.rel}`,
    url: `${ctx.baseUrl}/${location}/${f.rel}`,
    name,
    prepare: () => {},
  }
}

async function w1(ctx: WorkloadContext): Promise<Workload> {
  const size = scaled(GiB, ctx.scale)
  const base = await singleFile(ctx, 'plain', size)
  return {
    id: 'W1',
    title: `one ${size === GiB ? '1 GiB' : `${(size / MiB).toFixed(0)} MiB`} file, unthrottled (/plain/)`,
    baseline: 'aria2c -x16 -s16 -k1M falloc',
    tail: false,
    ...base,
    competitors: [
      {
        name: 'curl',
        tool: 'curl',
        argv: (p) => ['curl', '-s', '-o', `${p.dir}/${p.name}`, p.url],
      },
      {
        name: 'wget',
        tool: 'wget',
        argv: (p) => ['wget', '-q', '-O', `${p.dir}/${p.name}`, p.url],
      },
      {
        name: 'aria2c -x1 -s1',
        tool: 'aria2c',
        argv: (p) => [...A(p), '-o', p.name, '-x1', '-s1', p.url],
      },
      {
        name: 'aria2c -x16 -s16 -k1M falloc',
        tool: 'aria2c',
        argv: (p) => [
          ...A(p),
          '-o',
          p.name,
          '-x16',
          '-s16',
          '-k1M',
          '--file-allocation=falloc',
          p.url,
        ],
      },
      { name: 'downpour', tool: 'downpour', argv: (p) => downpour(p, {}) },
      { name: 'downpour -x1', tool: 'downpour', argv: (p) => downpour(p, { extra: ['-x', '1'] }) },
      // The default (-x 32) against aria2's ceiling: the measure for choosing -x's default.
      {
        name: 'downpour -x16',
        tool: 'downpour',
        argv: (p) => downpour(p, { extra: ['-x', '16'] }),
      },
    ],
  }
}

async function w2(ctx: WorkloadContext): Promise<Workload> {
  const size = 50 * KiB
  const count = Math.max(16, Math.round(2000 * ctx.scale))
  const files = await ensureFileSet(ctx.store, `small-${size}`, count, size)
  const urls = files.map((f) => `${ctx.baseUrl}/plain/${f.rel}`)
  return {
    id: 'W2',
    title: `${count} files of 50 KiB, 16 at once (/plain/)`,
    bytes: size * count,
    files: count,
    baseline: 'aria2c -j16 -x1',
    tail: false,
    fixtures: files,
    expected: files.map((f) => ({ name: basename(f.rel), size, sha256: f.sha256 })),
    warmUrl: null,
    url: '',
    name: '',
    prepare: (p) => {
      writeFileSync(p.list, `${urls.join('\n')}\n`)
      writeFileSync(
        p.cfg,
        files
          .map((f, i) => `url = "${urls[i] ?? ''}"\noutput = "${p.dir}/${basename(f.rel)}"\n`)
          .join(''),
      )
    },
    competitors: [
      {
        name: 'curl -Z --parallel-max 16',
        tool: 'curl',
        argv: (p) => ['curl', '-s', '-Z', '--parallel-max', '16', '-K', p.cfg],
      },
      { name: 'wget -i', tool: 'wget', argv: (p) => ['wget', '-q', '-i', p.list, '-P', p.dir] },
      {
        name: 'aria2c -j16 -x1',
        tool: 'aria2c',
        argv: (p) => [...A(p), '-j16', '-x1', '--file-allocation=none', '-i', p.list],
      },
      {
        name: 'downpour -j16',
        tool: 'downpour',
        argv: (p) => downpour(p, { name: false, extra: ['-j', '16', '-i', p.list], urls: [] }),
      },
      {
        // A reference, not a competitor: what Node + undici cost with no engine at all.
        name: 'node floor (bench/node-floor.ts)',
        tool: 'node',
        argv: (p) => [...engineHost(p), p.floor, p.list, p.dir, '16'],
      },
    ],
  }
}

async function w3(ctx: WorkloadContext): Promise<Workload> {
  const size = scaled(100 * MiB, ctx.scale)
  const base = await singleFile(ctx, 'capped', size)
  return {
    id: 'W3',
    title: `one ${(size / MiB).toFixed(0)} MiB file at 4 MiB/s per connection (/capped/)`,
    baseline: 'aria2c -x16 -s16 -k1M',
    tail: false,
    ...base,
    competitors: [
      {
        name: 'curl',
        tool: 'curl',
        argv: (p) => ['curl', '-s', '-o', `${p.dir}/${p.name}`, p.url],
      },
      {
        name: 'aria2c -x16 -s16 -k1M',
        tool: 'aria2c',
        argv: (p) => [...A(p), '-o', p.name, '-x16', '-s16', '-k1M', p.url],
      },
      { name: 'aria2c (defaults)', tool: 'aria2c', argv: (p) => [...A(p), '-o', p.name, p.url] },
      { name: 'downpour', tool: 'downpour', argv: (p) => downpour(p, {}) },
      {
        name: 'downpour -x16',
        tool: 'downpour',
        argv: (p) => downpour(p, { extra: ['-x', '16'] }),
      },
    ],
  }
}

async function w4(ctx: WorkloadContext): Promise<Workload> {
  const size = scaled(128 * MiB, ctx.scale)
  const base = await singleFile(ctx, 'mixed', size)
  return {
    id: 'W4',
    title: `one ${(size / MiB).toFixed(0)} MiB file, ~half the connections at 1 MiB/s, the rest 16 MiB/s (/mixed/)`,
    baseline: 'aria2c -x16 -s16 -k1M',
    tail: true,
    ...base,
    competitors: [
      {
        name: 'aria2c -x16 -s16 -k1M',
        tool: 'aria2c',
        argv: (p) => [...A(p), '-o', p.name, '-x16', '-s16', '-k1M', p.url],
      },
      {
        name: 'aria2c -x8 -k1M',
        tool: 'aria2c',
        argv: (p) => [...A(p), '-o', p.name, '-x8', '-k1M', p.url],
      },
      { name: 'downpour', tool: 'downpour', argv: (p) => downpour(p, {}) },
      {
        name: 'downpour -x16',
        tool: 'downpour',
        argv: (p) => downpour(p, { extra: ['-x', '16'] }),
      },
    ],
  }
}

const BUILDERS: Record<WorkloadId, (ctx: WorkloadContext) => Promise<Workload>> = {
  W1: w1,
  W2: w2,
  W3: w3,
  W4: w4,
}

export function buildWorkload(id: WorkloadId, ctx: WorkloadContext): Promise<Workload> {
  return BUILDERS[id](ctx)
}
