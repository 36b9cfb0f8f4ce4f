import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join, posix, win32 } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rpcDirRefusal, rpcDirRefusalHere, type DirPolicy } from './aria2-dir-policy.ts'

const LINUX: DirPolicy = { platform: 'linux', home: '/home/ann', chosen: ['/home/ann/Downloads'] }
const MAC: DirPolicy = { platform: 'darwin', home: '/Users/ann', chosen: ['/Users/ann/Downloads'] }
const WINDOWS: DirPolicy = {
  platform: 'win32',
  home: 'C:\\Users\\ann',
  chosen: ['C:\\Users\\ann\\Downloads'],
}

const refused = (dir: string, policy: DirPolicy) => rpcDirRefusal(dir, policy) !== null

describe('rpcDirRefusal', () => {
  it('refuses folders hidden in home and system folders on Linux, naming the rule', () => {
    expect(rpcDirRefusal('/home/ann/.config/autostart', LINUX)).toBe(
      'dir "/home/ann/.config/autostart" is refused: aria2 RPC clients may not write into ' +
        'folders hidden in the home folder (".config" here); choose that folder in Downpour itself',
    )
    expect(rpcDirRefusal('/etc/cron.d', LINUX)).toBe(
      'dir "/etc/cron.d" is refused: aria2 RPC clients may not write into system folders ' +
        '("/etc" here); choose that folder in Downpour itself',
    )
    for (const dir of [
      '/home/ann/.ssh',
      '/home/ann/Downloads/../.ssh',
      '/home/ann/.local/bin',
      '/usr/local/bin',
      '/bin',
      '/sbin',
      '/lib',
      '/lib64/x',
      '/libx32',
      '/boot',
      '/proc/self',
      '/sys',
      '/dev/shm',
      '/run/user/1000',
      '/var/lib/x',
      '/var/spool/cron',
    ])
      expect(refused(dir, LINUX), dir).toBe(true)
    for (const dir of [
      '/home/ann',
      '/home/ann/Downloads/new/deeper',
      '/home/ann/Music',
      '/tmp/x',
      '/var/tmp/x',
      '/mnt/disk/films',
      '/media/usb',
      '/srv/share',
      '/opt/things',
      '/home/bob/Downloads',
      '/ETC',
    ])
      expect(rpcDirRefusal(dir, LINUX), dir).toBe(null)
  })

  it('refuses relative paths, whose meaning depends on where the engine runs', () => {
    expect(rpcDirRefusal('Downloads', LINUX)).toMatch(/must give an absolute path/)
    expect(rpcDirRefusal('\\temp', WINDOWS)).toMatch(/must give an absolute path/)
  })

  it('on macOS: ~/Library but its cloud folders, /System, /Library, /private but its tmp; any case', () => {
    for (const dir of [
      '/Users/ann/Library/LaunchAgents',
      '/Users/ann/library/Application Support/x',
      '/System/Library',
      '/Library/LaunchDaemons',
      '/private/etc',
      '/ETC/periodic',
      '/Users/ann/.zshrc.d',
    ])
      expect(refused(dir, MAC), dir).toBe(true)
    for (const dir of [
      '/Users/ann/Library/Mobile Documents/com~apple~CloudDocs/x',
      '/Users/ann/Library/CloudStorage/Dropbox',
      '/private/tmp/x',
      '/var/folders/ab/T',
      '/Volumes/Disk',
      '/Users/ann/Desktop',
    ])
      expect(rpcDirRefusal(dir, MAC), dir).toBe(null)
  })

  it('on Windows: Windows, Program Files, ProgramData on any drive, ~\\AppData, hidden folders; any case', () => {
    for (const dir of [
      'C:\\Windows\\System32',
      'c:\\windows',
      'D:\\Program Files\\x',
      'C:\\Program Files (x86)',
      'C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\StartUp',
      'C:\\Users\\ann\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup',
      'c:/users/ann/.ssh',
    ])
      expect(refused(dir, WINDOWS), dir).toBe(true)
    for (const dir of [
      'C:\\Users\\ann\\Downloads',
      'D:\\Films',
      'C:\\Users\\ann\\Documents\\Windows',
      '\\\\nas\\share\\x',
    ])
      expect(rpcDirRefusal(dir, WINDOWS), dir).toBe(null)
  })

  it('a home or chosen folder under /var stays usable; hidden folders below them do not; a chosen root exempts nothing', () => {
    const service: DirPolicy = {
      platform: 'linux',
      home: '/var/lib/downpour',
      chosen: ['/srv/../var/cache/dl'],
    }
    expect(rpcDirRefusal('/var/lib/downpour/Downloads', service)).toBe(null)
    expect(rpcDirRefusal('/var/cache/dl/x', service)).toBe(null)
    expect(refused('/var/lib/downpour/.config', service)).toBe(true)
    expect(refused('/var/cache/dl/.x', service)).toBe(true)
    expect(refused('/var/log', service)).toBe(true)
    expect(refused('/etc', { ...LINUX, chosen: ['/'] })).toBe(true)
    // Choosing the home folder itself does not open its hidden folders.
    expect(refused('/home/ann/.ssh', { ...LINUX, chosen: ['/home/ann'] })).toBe(true)
  })

  const segment = fc.stringMatching(/^[A-Za-z0-9 _-]{1,12}$/)
  const hidden = segment.map((s) => `.${s}`)

  it('property: a path under home with a hidden component anywhere is refused, naming it', () => {
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 4 }),
        hidden,
        fc.array(segment, { maxLength: 4 }),
        (before, dot, after) => {
          for (const policy of [LINUX, MAC, WINDOWS]) {
            const path = policy.platform === 'win32' ? win32 : posix
            const dir = path.join(policy.home, ...before, dot, ...after)
            expect(rpcDirRefusal(dir, policy)).toContain(JSON.stringify(dot))
          }
        },
      ),
    )
  })

  it('property: a path under home without hidden components (nor Library/AppData) is allowed', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (parts) => {
        fc.pre(!/^(library|appdata)$/i.test(parts[0] ?? ''))
        for (const policy of [LINUX, MAC, WINDOWS]) {
          const path = policy.platform === 'win32' ? win32 : posix
          expect(rpcDirRefusal(path.join(policy.home, ...parts), policy)).toBe(null)
        }
      }),
    )
  })

  it('property: what is refused stays refused below, and `..` cannot climb out of a rule', () => {
    const roots = ['/etc', '/usr/share', '/var/log', '/home/ann/.ssh', '/lib64', '/boot']
    fc.assert(
      fc.property(fc.constantFrom(...roots), fc.array(segment, { maxLength: 5 }), (root, parts) => {
        expect(refused(posix.join(root, ...parts), LINUX)).toBe(true)
        expect(refused(`/home/ann/Downloads/../../../${root}/${parts.join('/')}`, LINUX)).toBe(true)
      }),
    )
  })
})

describe('rpcDirRefusalHere', () => {
  it('refuses a symbolic link in the download folder that leads into a hidden home folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dp-dir-policy-'))
    const hiddenName = `.downpour-policy-test-${process.pid}`
    const hiddenDir = join(homedir(), hiddenName)
    try {
      await mkdir(hiddenDir, { recursive: true })
      await symlink(hiddenDir, join(root, 'link'))
      expect(await rpcDirRefusalHere(join(root, 'plain', 'new'), [root])).toBe(null)
      const refusal = await rpcDirRefusalHere(join(root, 'link', 'sub'), [root])
      expect(refusal).toContain(
        `folders hidden in the home folder (${JSON.stringify(hiddenName)} here)`,
      )
      expect(refusal).toContain(`leads to ${JSON.stringify(join(hiddenDir, 'sub'))}`)
      expect(await rpcDirRefusalHere(join(homedir(), hiddenName, 'x'), [root])).toMatch(/hidden/)
    } finally {
      await rm(root, { recursive: true, force: true })
      await rm(hiddenDir, { recursive: true, force: true })
    }
  })
})
