import { join } from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { makeBody } from '../test/fault-server.ts'
import type { FaultServer } from '../test/fault-server.ts'
import { connectClient } from '../test/run-serve.ts'
import type { DownloadSnapshot } from '../src/shared/protocol/model.ts'
import { drop, expect, row, sha256, sha256File, test } from './window-fixtures.ts'
import type { WindowFixture } from './window-fixtures.ts'

// What the engine can do, offered in the window (issue 26): Retry failed, Start now, a
// download's own speed limit. In Debian's Chromium against `downpour serve` and the fault server.

const MiB = 1024 * 1024

/** A file that answers 404 to its first GET and is there from then on (a link fixed later). */
function missingOnce(files: FaultServer, path: string, body: Buffer): void {
  files.file(path, body, {
    fault: ({ attempt }) => (attempt === 1 ? { kind: 'status', status: 404 } : undefined),
  })
}

/** The engine methods the page called over its WebSocket, with their arguments, in order. */
function recordCalls(page: Page): { method: string; args: unknown[] }[] {
  const calls: { method: string; args: unknown[] }[] = []
  page.on('websocket', (socket) =>
    socket.on('framesent', ({ payload }) => {
      try {
        const message = JSON.parse(String(payload)) as {
          kind?: string
          method?: string
          args?: unknown[]
        }
        if (message.kind === 'call') calls.push({ method: message.method!, args: message.args! })
      } catch {
        // Not a protocol message.
      }
    }),
  )
  return calls
}

/** Serious or critical axe violations on the page as it is, light and dark. */
async function axeProblems(page: Page): Promise<string[]> {
  const found: string[] = []
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    const results = await new AxeBuilder({ page }).analyze()
    for (const v of results.violations)
      if (v.impact === 'serious' || v.impact === 'critical')
        found.push(`${scheme} ${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)
  }
  return found
}

/** The engine's own view of the downloads (not the page's), over a second client. */
async function engineDownloads(win: WindowFixture): Promise<DownloadSnapshot[]> {
  const { socket, client } = await connectClient(win.serve.origin, {
    authorization: `Bearer ${win.serve.token}`,
  })
  try {
    return (await client.snapshot()).downloads
  } finally {
    client.dispose()
    socket.close()
  }
}

const gets = (files: FaultServer, except: string) =>
  files
    .requests()
    .filter((r) => r.method === 'GET' && r.path !== except)
    .map((r) => r.path)

test('Start now runs a queued download past "Downloads at once"; Retry failed retries every failed one in one call, ahead of the queue', async ({
  page,
  win,
}) => {
  test.setTimeout(90_000)
  const calls = recordCalls(page)
  const bodies = {
    next: makeBody(300_000, 51),
    alpha: makeBody(400_000, 52),
    beta: makeBody(500_000, 53),
  }
  win.files.file('/hold.iso', makeBody(32 * MiB, 50), { rateLimit: 256 * 1024 })
  win.files.file('/next.zip', bodies.next)
  missingOnce(win.files, '/alpha.epub', bodies.alpha)
  missingOnce(win.files, '/beta.epub', bodies.beta)
  await win.settings({ maxConcurrentDownloads: 1 })
  await win.open(page)

  await drop(page, { uriList: ['/hold.iso', '/next.zip'].map((p) => win.files.url(p)).join('\n') })
  await page.getByRole('button', { name: 'Add 2 downloads' }).click()
  await expect(row(page, 'hold.iso')).toContainText('Downloading')
  await expect(row(page, 'next.zip')).toContainText('Queued (1st)')
  await drop(page, {
    uriList: ['/alpha.epub', '/beta.epub'].map((p) => win.files.url(p)).join('\n'),
  })
  await page.getByRole('button', { name: 'Add 2 downloads' }).click()
  await expect(row(page, 'beta.epub')).toContainText('Queued (3rd)')
  // No failed download yet: the toolbar's Retry failed says it has nothing to do.
  await expect(page.getByRole('button', { name: 'Retry failed' })).toHaveAttribute(
    'aria-disabled',
    'true',
  )

  // Start now, from each row's context menu: both start while hold.iso keeps the only slot.
  for (const name of ['alpha.epub', 'beta.epub']) {
    await row(page, name).click({ button: 'right', position: { x: 80, y: 12 } })
    await page
      .getByRole('menu', { name: 'Download actions' })
      .getByRole('menuitem', { name: 'Start now' })
      .click()
    await expect(row(page, name)).toContainText('Failed — 404 Not Found')
  }
  await expect(row(page, 'hold.iso')).toContainText('Downloading')
  await expect(row(page, 'next.zip')).toContainText('Queued (1st)')
  expect(calls.filter((c) => c.method === 'startNow').map((c) => c.args)).toEqual([
    [{ ids: [expect.any(String)] }],
    [{ ids: [expect.any(String)] }],
  ])
  expect(win.files.requests('/next.zip')).toEqual([])

  // Retry failed: one call for both, and they wait ahead of next.zip, which waited first.
  await page.getByRole('button', { name: 'Retry failed' }).click()
  await expect(row(page, 'alpha.epub')).toContainText('Queued (1st)')
  await expect(row(page, 'beta.epub')).toContainText('Queued (2nd)')
  await expect(row(page, 'next.zip')).toContainText('Queued (3rd)')
  expect(calls.filter((c) => c.method === 'retry')).toEqual([
    { method: 'retry', args: [{ all: true }] },
  ])
  await expect(page.getByRole('button', { name: 'Retry failed' })).toHaveAttribute(
    'aria-disabled',
    'true',
  )

  // The slot frees: the retried ones go first, then next.zip.
  await row(page, 'hold.iso').getByRole('button', { name: 'Pause hold.iso' }).click()
  for (const name of ['alpha.epub', 'beta.epub', 'next.zip'])
    await expect(row(page, name)).toContainText('Completed', { timeout: 30_000 })
  expect(gets(win.files, '/hold.iso')).toEqual([
    '/alpha.epub',
    '/beta.epub',
    '/alpha.epub',
    '/beta.epub',
    '/next.zip',
  ])
  for (const [name, body] of [
    ['alpha.epub', bodies.alpha],
    ['beta.epub', bodies.beta],
    ['next.zip', bodies.next],
  ] as const)
    expect(await sha256File(join(win.downloads, name))).toBe(sha256(body))
})

test('in a narrow window, Retry failed is in the "More actions" menu and retries in one call', async ({
  page,
  win,
}) => {
  const calls = recordCalls(page)
  await page.setViewportSize({ width: 480, height: 640 })
  const body = makeBody(200_000, 54)
  missingOnce(win.files, '/gamma.pdf', body)
  await win.open(page)
  await drop(page, { uriList: win.files.url('/gamma.pdf') })
  await page.getByRole('button', { name: 'Add 1 download' }).click()
  await expect(row(page, 'gamma.pdf')).toContainText('Failed — 404 Not Found')

  await expect(page.getByRole('button', { name: 'Retry failed' })).toBeHidden()
  const more = page.getByRole('button', { name: 'More actions', exact: true })
  await more.click()
  const menu = page.getByRole('menu', { name: 'Download actions' })
  await menu.getByRole('menuitem', { name: 'Retry failed' }).click()
  await expect(menu).toBeHidden()
  await expect(row(page, 'gamma.pdf')).toContainText('Completed', { timeout: 30_000 })
  expect(calls.filter((c) => c.method === 'retry')).toEqual([
    { method: 'retry', args: [{ all: true }] },
  ])
  expect(await sha256File(join(win.downloads, 'gamma.pdf'))).toBe(sha256(body))
})

test("a download's own speed limit: refused in words, taken while it runs, kept across a reload", async ({
  page,
  win,
}) => {
  test.setTimeout(90_000)
  const calls = recordCalls(page)
  // Slow enough (4 connections × 128 KiB/s) to still run after the audits.
  win.files.file('/slow.iso', makeBody(64 * MiB, 55), { rateLimit: 128 * 1024 })
  await win.open(page)
  await drop(page, { uriList: win.files.url('/slow.iso') })
  await page.getByRole('button', { name: 'Add 1 download' }).click()
  await expect(row(page, 'slow.iso')).toContainText('Downloading')

  const openDetails = async () => {
    await row(page, 'slow.iso').click({ button: 'right', position: { x: 80, y: 12 } })
    await page.getByRole('menuitem', { name: 'Details' }).click()
    return page.getByRole('region', { name: 'Details of slow.iso' })
  }
  let details = await openDetails()
  const field = () => details.getByRole('textbox', { name: 'Speed limit for this download' })
  await expect(field()).toHaveValue('')
  await field().fill('fast')
  await details.getByRole('button', { name: 'Set limit' }).click()
  await expect(details.getByRole('alert')).toHaveText(
    '"fast" is not a speed: write a rate like 750K or 3M (a second), or leave it empty for no limit',
  )
  await expect(field()).toHaveAttribute('aria-invalid', 'true')
  expect(await axeProblems(page)).toEqual([])
  await field().fill('2T')
  await field().press('Enter')
  await expect(details.getByRole('alert')).toHaveText('must be at most 1.0 TiB/s')
  // Nothing refused reached the engine.
  expect(calls.filter((c) => c.method === 'update')).toEqual([])

  await field().fill('200K')
  await field().press('Enter')
  await expect(details.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible()
  await expect(details.getByRole('alert')).toHaveCount(0)
  await expect(details.getByText('Limited to 200 KiB/s.')).toBeVisible()
  const [own] = await engineDownloads(win)
  expect(own).toMatchObject({ name: 'slow.iso', speedLimit: 200 * 1024, state: 'downloading' })

  await page.reload()
  await expect(row(page, 'slow.iso')).toContainText('Downloading')
  details = await openDetails()
  await expect(field()).toHaveValue('200K')

  // Empty removes it.
  await field().fill('')
  await field().press('Enter')
  await expect(details.getByText('No limit of its own')).toBeVisible()
  expect((await engineDownloads(win))[0]).toMatchObject({ speedLimit: 0 })
})

/** Every file below `dir` (recursively) with its mode and content. */
async function filesBelow(dir: string): Promise<{ path: string; mode: number; text: string }[]> {
  const { readdir, readFile, stat } = await import('node:fs/promises')
  const out: { path: string; mode: number; text: string }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    out.push({ path, mode: (await stat(path)).mode & 0o777, text: await readFile(path, 'latin1') })
  }
  return out
}

test('the add dialog sends a file name, checksum, Referer, headers and credentials; the password is never shown again', async ({
  page,
  win,
}) => {
  test.setTimeout(90_000)
  const calls = recordCalls(page)
  const password = 's3cr3t-Pa55:w0rd%'
  const basic = `Basic ${Buffer.from(`ann:${password}`).toString('base64')}`
  const body = makeBody(600_000, 56)
  // Only with the right credentials: anything else is 401, as a real protected file.
  win.files.file('/private/r.bin', body, {
    fault: ({ req }) =>
      req.headers.authorization === basic ? undefined : { kind: 'status', status: 401 },
  })
  await win.open(page)
  await drop(page, { uriList: win.files.url('/private/r.bin') })
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  await dialog.getByText('More options').click()
  await dialog.getByRole('textbox', { name: 'File name' }).fill('Q3 report.pdf')
  await dialog.getByRole('textbox', { name: 'Checksum' }).fill('sha-256=12ab')
  await dialog.getByRole('textbox', { name: 'Referer' }).fill('https://intranet.example/reports')
  await dialog.getByRole('textbox', { name: 'Extra headers' }).fill('X-Client: e2e\nbad header')
  await dialog.getByRole('textbox', { name: 'User name' }).fill('ann')
  await dialog.getByLabel('Password').fill(password)
  await dialog.getByRole('button', { name: 'Add 1 download' }).click()
  await expect(dialog.getByRole('alert')).toHaveText(
    'Checksum sha-256 digest must be 64 hex digits, got 4. Headers, line 2: must be "Name: value"',
  )
  await expect(dialog.getByRole('textbox', { name: 'Checksum' })).toHaveAttribute(
    'aria-invalid',
    'true',
  )
  expect(calls.filter((c) => c.method === 'add')).toEqual([])
  // The options with their refusals, at 200 % zoom of a 1280 × 800 window: all reachable, no
  // sideways scroll, nothing axe calls serious.
  await page.setViewportSize({ width: 640, height: 400 })
  await dialog.getByLabel('Password').scrollIntoViewIfNeeded()
  await expect(dialog.getByLabel('Password')).toBeInViewport()
  expect(
    await page.evaluate(() => {
      const root = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } }
        }
      ).document.documentElement
      return root.scrollWidth - root.clientWidth
    }),
  ).toBe(0)
  expect(await axeProblems(page)).toEqual([])
  await page.setViewportSize({ width: 1280, height: 720 })

  await dialog.getByRole('textbox', { name: 'Checksum' }).fill(`sha-256=${sha256(body)}`)
  await dialog.getByRole('textbox', { name: 'Extra headers' }).fill('X-Client: e2e')
  await dialog.getByRole('button', { name: 'Add 1 download' }).click()
  await expect(dialog).toBeHidden()
  await expect(row(page, 'Q3 report.pdf')).toContainText('Completed', { timeout: 30_000 })
  expect(await sha256File(join(win.downloads, 'Q3 report.pdf'))).toBe(sha256(body))

  // What the server was asked for: every GET with the credentials, the Referer and the header.
  const asked = win.files.requests('/private/r.bin').filter((r) => r.method === 'GET')
  expect(asked.length).toBeGreaterThan(0)
  for (const request of asked)
    expect(request.headers).toMatchObject({
      authorization: basic,
      referer: 'https://intranet.example/reports',
      'x-client': 'e2e',
    })
  const [sent] = calls.filter((c) => c.method === 'add').map((c) => c.args[0] as unknown[])
  expect(sent).toEqual([
    {
      url: win.files
        .url('/private/r.bin')
        .replace('http://', `http://ann:${encodeURIComponent(password)}@`),
      name: 'Q3 report.pdf',
      checksum: { algorithm: 'sha-256', hex: sha256(body) },
      headers: { Referer: 'https://intranet.example/reports', 'X-Client': 'e2e' },
    },
  ])

  // Never in clear again: not in the details panel, the page, the engine's snapshot, its output.
  const secrets = [password, encodeURIComponent(password), basic]
  await row(page, 'Q3 report.pdf').click({ button: 'right', position: { x: 80, y: 12 } })
  await page.getByRole('menuitem', { name: 'Details' }).click()
  const details = page.getByRole('region', { name: 'Details of Q3 report.pdf' })
  await expect(details).toContainText('ann:***@')
  await expect(details).toContainText('[redacted]')
  const [own] = await engineDownloads(win)
  const seen = [await page.content(), JSON.stringify(own), win.serve.stdout(), win.serve.stderr()]
  for (const text of seen) for (const secret of secrets) expect(text).not.toContain(secret)
  // The engine keeps it to resume with: only in the state folder's queue files, 0600.
  const holding = (await filesBelow(win.state)).filter((f) =>
    f.text.includes(encodeURIComponent(password)),
  )
  expect(holding.length).toBeGreaterThan(0)
  for (const file of holding) expect([file.path, file.mode]).toEqual([file.path, 0o600])
  for (const file of await filesBelow(win.downloads))
    for (const secret of secrets) expect(file.text).not.toContain(secret)
})

test('a 5 TiB file on this disk: the row says it will not fit and what is free; nothing is written', async ({
  page,
  win,
}) => {
  const TiB = 1024 ** 4
  win.files.handle('/archive-5tb.tar', (req, res) => {
    res.writeHead(200, { 'content-length': String(5 * TiB), 'accept-ranges': 'bytes' })
    if (req.method === 'HEAD') res.end()
    else res.write(Buffer.alloc(64 * 1024))
  })
  await win.open(page)
  await drop(page, { uriList: win.files.url('/archive-5tb.tar') })
  await page.getByRole('button', { name: 'Add 1 download' }).click()
  await expect(row(page, 'archive-5tb.tar')).toContainText(
    new RegExp(
      `Paused — Not enough space: needs 5\\.0 TiB, [\\d.]+ (KiB|MiB|GiB|TiB) free on ${win.downloads} — free some space and resume`,
    ),
  )
  const { readdir } = await import('node:fs/promises')
  expect(await readdir(win.downloads).catch(() => [])).toEqual([])
  // Resuming without freeing space asks nothing new of the server: the check comes first.
  const asked = win.files.requests('/archive-5tb.tar').length
  await row(page, 'archive-5tb.tar').getByRole('button', { name: 'Resume archive-5tb.tar' }).click()
  await expect(row(page, 'archive-5tb.tar')).toContainText('Paused — Not enough space')
  expect(win.files.requests('/archive-5tb.tar')).toHaveLength(asked)
})
