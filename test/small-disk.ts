import { execFileSync } from 'node:child_process'
import { readdirSync, readlinkSync } from 'node:fs'
import { mkdir, open, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'

/** A small tmpfs mounted for a test: a real full disk, or a real read-only file system. */
export type SmallDisk = {
  dir: string
  /** Changes the mount's options in place (e.g. `size=16m` to free space, `ro`). */
  remount(options: string): void
  unmount(): void
}

/**
 * Mounts a tmpfs of `options` (e.g. `size=2m`, `ro,size=1m`) at `dir`, or returns why it
 * cannot (not root, no mount permission in this container): the caller skips with that reason
 * printed, never silently.
 */
export async function mountSmallDisk(
  dir: string,
  options: string,
): Promise<SmallDisk | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'needs root to mount a small tmpfs' }
  await mkdir(dir, { recursive: true })
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    return { skip: `cannot mount a tmpfs here: ${(error as Error).message.split('\n')[0]}` }
  }
  return {
    dir,
    remount: (more) =>
      execFileSync('mount', ['-o', `remount,${more}`, dir], { stdio: 'pipe' }) as unknown as void,
    // Lazy: a descriptor still open (the very leak some tests look for) must not block cleanup.
    unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }) as unknown as void,
  }
}

/**
 * A small tmpfs of `options` at `root/small` of this test, unmounted at the test's teardown
 * (`onTeardown`: after its engines have closed their files on it, before the folders go); null
 * after printing why the test is skipped.
 */
export async function smallDiskFor(
  test: { dirs: { root: string }; onTeardown(fn: () => unknown): void },
  options: string,
): Promise<SmallDisk | null> {
  const mounted = await mountSmallDisk(join(test.dirs.root, 'small'), options)
  if ('skip' in mounted) {
    console.log(`skipped: ${mounted.skip}`)
    return null
  }
  test.onTeardown(() => mounted.unmount())
  return mounted
}

/**
 * Fills the file system of `dir` but for `free` bytes (fillDisk, then the filler cut back): room
 * a download's next writes take within milliseconds, then fail.
 */
export async function fillDiskBut(dir: string, free: number): Promise<string> {
  const filler = await fillDisk(dir)
  await truncate(filler, (await stat(filler)).size - free)
  return filler
}

/**
 * Fills the file system of `dir` to the last byte with a file `filler` in it (written until
 * ENOSPC); returns its path (delete it to free the space again).
 */
export async function fillDisk(dir: string): Promise<string> {
  const path = join(dir, 'filler')
  const handle = await open(path, 'a')
  const block = Buffer.alloc(64 * 1024)
  try {
    for (let size = block.length; size > 0;) {
      try {
        await handle.write(block, 0, size)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
        size = size >> 1
      }
    }
  } finally {
    await handle.close()
  }
  return path
}

/**
 * Paths of this process's open descriptors (all threads share them) that point to deleted
 * files under `under`, read from /proc/self/fd on Linux.
 */
export function deletedOpenFiles(under: string): string[] {
  const out: string[] = []
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`)
      if (target.startsWith(under) && target.endsWith('(deleted)')) out.push(target)
    } catch {
      // Closed meanwhile (the readdir's own descriptor, say).
    }
  }
  return out
}
