import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sanitizeFileName } from '../engine/naming/sanitize-file-name.ts'
import { openConfirmation, openDecision, refusalNotice } from './open-decision.ts'

describe('openDecision', () => {
  it.each([
    ['report.pdf', 'win32'],
    ['photo.JPG', 'darwin'],
    ['archive.zip', 'linux'],
    ['notes.txt', 'win32'],
    ['noextension', 'linux'],
    ['.bashrc', 'linux'],
    ['setup.exe', 'linux'],
    ['run.sh', 'win32'],
    ['installer.dmg', 'win32'],
  ])('%j on %s opens at once', (name, platform) => {
    expect(openDecision(name, platform)).toBe('open')
  })

  it.each([
    ['setup.exe', 'win32'],
    ['SETUP.EXE', 'win32'],
    ['setup.exe. ', 'win32'],
    ['invoice.pdf.js', 'win32'],
    ['x.hta', 'win32'],
    ['x.msi', 'win32'],
    ['x.ps1', 'win32'],
    ['x.bat', 'win32'],
    ['x.dll', 'win32'],
    ['tool.jar', 'linux'],
    ['tool.jar', 'darwin'],
    ['tool.jar', 'win32'],
    ['run.desktop', 'linux'],
    ['install.sh', 'linux'],
    ['install.sh', 'freebsd'],
    ['pkg.deb', 'linux'],
    ['Installer.dmg', 'darwin'],
    ['x.command', 'darwin'],
    ['x.scpt', 'darwin'],
    ['script.py', 'win32'],
  ])('%j on %s asks first', (name, platform) => {
    expect(openDecision(name, platform)).toBe('confirm')
  })

  it.each([
    'invoice.pdf.lnk',
    'x.{20D04FE0-3AEA-1069-A2D8-08002B30309D}',
    'x.url',
    'x.SCF',
    'a.local',
    'x.lnk. .',
  ])('%j is refused on every OS', (name) => {
    for (const platform of ['win32', 'darwin', 'linux']) {
      expect(openDecision(name, platform)).toBe('refuse')
    }
  })

  it('property: every name the engine can produce is opened or asked about, never refused', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 60 }),
        fc.constantFrom('win32', 'darwin', 'linux'),
        (raw, platform) => {
          expect(openDecision(sanitizeFileName(raw), platform)).not.toBe('refuse')
        },
      ),
    )
  })
})

describe('openConfirmation', () => {
  it('names the file and where it came from, without the URL’s secrets; Cancel is the default', () => {
    const question = openConfirmation('setup.exe', 'https://bob:pw@dl.example.com/setup.exe#x')
    expect(question.message).toContain('“setup.exe”')
    expect(question.detail).toContain('dl.example.com')
    expect(question.detail).toContain('https://dl.example.com/setup.exe')
    expect(question.detail).not.toContain('pw')
    expect(question.buttons[question.openButton]).toBe('Open')
    expect(question.buttons[question.defaultId]).toBe('Cancel')
    expect(question.cancelId).toBe(question.defaultId)
  })

  it('says when the origin is not known', () => {
    expect(openConfirmation('x.exe', null).detail).toMatch(/not known/)
    expect(openConfirmation('x.exe', 'javascript:alert(1)').detail).toMatch(/not known/)
  })

  it('shortens a very long URL', () => {
    const question = openConfirmation('x.exe', `https://example.com/${'a'.repeat(1000)}`)
    expect(question.detail.length).toBeLessThan(400)
  })
})

describe('refusalNotice', () => {
  it('names the extension and offers the folder instead', () => {
    const notice = refusalNotice('invoice.pdf.lnk')
    expect(notice.message).toBe('Downpour does not open .lnk files.')
    expect(notice.detail).toContain('invoice.pdf.lnk')
    expect(notice.buttons[notice.showButton]).toBe('Show in Folder')
  })
})
