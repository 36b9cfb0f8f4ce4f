import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkToken, resolveServeToken, TOKEN_FILE_NAME } from './serve-token.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downpour-token-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('resolveServeToken', () => {
  it('prefers --token, then DOWNPOUR_TOKEN', async () => {
    const stateDir = join(dir, 'state')
    expect(
      await resolveServeToken({
        flag: 'flag-token-0123456789',
        env: 'env-token-0123456789',
        stateDir,
      }),
    ).toEqual({ token: 'flag-token-0123456789', source: 'flag' })
    expect(
      await resolveServeToken({ flag: undefined, env: 'env-token-0123456789', stateDir }),
    ).toEqual({
      token: 'env-token-0123456789',
      source: 'env',
    })
  })

  it('generates one on first start, keeps it 0600 and returns it again', async () => {
    const stateDir = join(dir, 'state')
    const first = await resolveServeToken({ flag: undefined, env: undefined, stateDir })
    expect(first.source).toBe('generated')
    expect(checkToken(first.token)).toBeNull()
    const path = join(stateDir, TOKEN_FILE_NAME)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await readFile(path, 'utf8')).trim()).toBe(first.token)
    await chmod(path, 0o644)
    const again = await resolveServeToken({ flag: undefined, env: '', stateDir })
    expect(again).toEqual({ token: first.token, source: 'file' })
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('refuses unusable tokens, naming where they came from', async () => {
    await expect(
      resolveServeToken({ flag: 'short', env: undefined, stateDir: dir }),
    ).rejects.toThrow(/^--token: .*at least 16/)
    await expect(
      resolveServeToken({ flag: undefined, env: 'has spaces in it 0123456789', stateDir: dir }),
    ).rejects.toThrow(/^DOWNPOUR_TOKEN: .*only contain/)
    await writeFile(join(dir, TOKEN_FILE_NAME), 'x\n')
    await expect(
      resolveServeToken({ flag: undefined, env: undefined, stateDir: dir }),
    ).rejects.toThrow(/serve-token: .*delete the file/)
  })
})
