import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const TOKEN_FILE_NAME = 'serve-token'

export type TokenSource = 'flag' | 'env' | 'file' | 'generated'

/**
 * A token must survive being put in a URL and a header untouched, and be long enough that
 * guessing it over the network is hopeless.
 */
export function checkToken(token: string): string | null {
  if (token.length < 16) return 'the token must be at least 16 characters long'
  if (token.length > 512) return 'the token must be at most 512 characters long'
  if (!/^[A-Za-z0-9._~-]+$/.test(token))
    return 'the token may only contain letters, digits and . _ ~ -'
  return null
}

/**
 * The serve token: `--token`, else `DOWNPOUR_TOKEN`, else the one kept in the state folder, else
 * a new random one written there (mode 0600), so a bookmarked URL keeps working after a restart.
 * Throws with a message naming the source when a given token is unusable.
 */
export async function resolveServeToken(input: {
  flag: string | undefined
  env: string | undefined
  stateDir: string
}): Promise<{ token: string; source: TokenSource }> {
  for (const [value, source, name] of [
    [input.flag, 'flag', '--token'],
    [input.env, 'env', 'DOWNPOUR_TOKEN'],
  ] as const) {
    if (value === undefined || value === '') continue
    const problem = checkToken(value)
    if (problem) throw new Error(`${name}: ${problem}`)
    return { token: value, source }
  }
  const path = join(input.stateDir, TOKEN_FILE_NAME)
  let stored: string | undefined
  try {
    stored = (await readFile(path, 'utf8')).trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (stored !== undefined) {
    const problem = checkToken(stored)
    if (problem) throw new Error(`${path}: ${problem} (delete the file to get a new one)`)
    // Tighten a file someone loosened: it is as good as a password.
    await chmod(path, 0o600)
    return { token: stored, source: 'file' }
  }
  const token = randomBytes(24).toString('base64url')
  await mkdir(input.stateDir, { recursive: true, mode: 0o700 })
  const temp = `${path}.${process.pid}.tmp`
  await writeFile(temp, `${token}\n`, { mode: 0o600, flag: 'wx' })
  await rename(temp, path)
  return { token, source: 'generated' }
}
