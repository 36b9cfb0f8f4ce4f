// Random-data fixture files, created once and cached in the bench data dir with their SHA-256,
// plus output verification against them.
import { createHash, randomFillSync } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import path from 'node:path'
import { MiB } from './util.ts'

export interface Fixture {
  /** Path relative to the fixture root, with '/' separators (also the URL path after /plain/ etc.). */
  rel: string
  size: number
  sha256: string
}

interface ManifestEntry {
  size: number
  sha256: string
  mtimeMs: number
}

interface Manifest {
  version: 1
  files: Record<string, ManifestEntry>
}

export interface FixtureStore {
  /** Directory served over HTTP. */
  root: string
  manifestPath: string
  manifest: Manifest
}

export function openFixtureStore(dataDir: string): FixtureStore {
  const root = path.join(dataDir, 'fixtures')
  mkdirSync(root, { recursive: true })
  const manifestPath = path.join(dataDir, 'fixtures.json')
  let manifest: Manifest = { version: 1, files: {} }
  try {
    const parsed = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<Manifest>
    if (parsed.version === 1 && parsed.files !== undefined)
      manifest = { version: 1, files: parsed.files }
  } catch {
    // first run
  }
  writeFileSync(path.join(root, 'health.txt'), 'ok\n')
  return { root, manifestPath, manifest }
}

function saveManifest(store: FixtureStore): void {
  const tmp = `${store.manifestPath}.tmp`
  writeFileSync(tmp, JSON.stringify(store.manifest, null, 1))
  renameSync(tmp, store.manifestPath)
}

function cached(store: FixtureStore, rel: string, size: number): Fixture | null {
  const entry = store.manifest.files[rel]
  if (entry === undefined || entry.size !== size) return null
  try {
    const st = statSync(path.join(store.root, rel))
    if (st.size !== size || st.mtimeMs !== entry.mtimeMs) return null
  } catch {
    return null
  }
  return { rel, size, sha256: entry.sha256 }
}

async function create(store: FixtureStore, rel: string, size: number): Promise<Fixture> {
  const file = path.join(store.root, rel)
  mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.partial`
  const fh = await open(tmp, 'w')
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(Math.min(size, 4 * MiB))
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(buf.length, size - done)
      const chunk = buf.subarray(0, n)
      randomFillSync(chunk)
      hash.update(chunk)
      await fh.write(chunk, 0, n, done)
      done += n
    }
  } finally {
    await fh.close()
  }
  renameSync(tmp, file)
  const sha256 = hash.digest('hex')
  store.manifest.files[rel] = { size, sha256, mtimeMs: (await stat(file)).mtimeMs }
  return { rel, size, sha256 }
}

/** One random file of `size` bytes at `rel`, reused when the cached copy still matches. */
export async function ensureFile(store: FixtureStore, rel: string, size: number): Promise<Fixture> {
  const hit = cached(store, rel, size)
  if (hit !== null) return hit
  const made = await create(store, rel, size)
  saveManifest(store)
  return made
}

/** `count` random files of `size` bytes named dir/00000.bin, dir/00001.bin, ... */
export async function ensureFileSet(
  store: FixtureStore,
  dir: string,
  count: number,
  size: number,
): Promise<Fixture[]> {
  const out: Fixture[] = []
  let dirty = false
  for (let i = 0; i < count; i++) {
    const rel = `${dir}/${String(i).padStart(5, '0')}.bin`
    const hit = cached(store, rel, size)
    if (hit !== null) {
      out.push(hit)
    } else {
      out.push(await create(store, rel, size))
      dirty = true
    }
  }
  if (dirty) saveManifest(store)
  return out
}

/** Read the files once so they sit in the page cache before the server sends them. */
export async function warmPageCache(store: FixtureStore, files: readonly Fixture[]): Promise<void> {
  const buf = Buffer.allocUnsafe(4 * MiB)
  for (const f of files) {
    const fh = await open(path.join(store.root, f.rel), 'r')
    try {
      while ((await fh.read(buf, 0, buf.length, null)).bytesRead > 0) {
        // discard
      }
    } finally {
      await fh.close()
    }
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  const fh = await open(file, 'r')
  const buf = Buffer.allocUnsafe(4 * MiB)
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
    }
  } finally {
    await fh.close()
  }
  return hash.digest('hex')
}

export interface ExpectedOutput {
  /** File name inside the output directory. */
  name: string
  size: number
  sha256: string
}

/** null when every expected file is present with the right size and SHA-256, else why not. */
export async function verifyOutputs(
  dir: string,
  expected: readonly ExpectedOutput[],
): Promise<string | null> {
  let missing = 0
  let wrongSize = 0
  let wrongHash = 0
  let first: string | null = null
  for (const e of expected) {
    const file = path.join(dir, e.name)
    let size: number
    try {
      size = (await stat(file)).size
    } catch {
      missing++
      first ??= `missing ${e.name}`
      continue
    }
    if (size !== e.size) {
      wrongSize++
      first ??= `${e.name} is ${size} bytes, expected ${e.size}`
      continue
    }
    if ((await sha256File(file)) !== e.sha256) {
      wrongHash++
      first ??= `${e.name}: sha256 mismatch`
    }
  }
  if (first === null) return null
  if (expected.length === 1) return first
  const parts = [
    missing > 0 ? `${missing} missing` : '',
    wrongSize > 0 ? `${wrongSize} wrong size` : '',
    wrongHash > 0 ? `${wrongHash} sha256 mismatch` : '',
  ].filter((s) => s !== '')
  return `${parts.join(', ')} of ${expected.length} (first: ${first})`
}
