import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test as base, expect } from '@playwright/test'
import type { Browser, Locator, Page } from '@playwright/test'
import { startFaultServer } from '../test/fault-server.ts'
import type { FaultServer } from '../test/fault-server.ts'
import { connectClient, startServe } from '../test/run-serve.ts'
import type { ServeProcess } from '../test/run-serve.ts'
import type { Settings } from '../src/shared/protocol/model.ts'

/**
 * The window against a real `downpour serve` (the built UI in out/renderer) and the project's
 * fault server, each test with fresh data and download folders.
 */
/** The built UI (`npm run test:e2e` builds it first). */
const uiDir = fileURLToPath(new URL('../out/renderer/', import.meta.url))

export type WindowFixture = {
  root: string
  downloads: string
  state: string
  files: FaultServer
  serve: ServeProcess
  /** Kills serve with SIGKILL (a crash, as far as the window can tell) and waits for it. */
  kill(): Promise<void>
  /** Starts serve again on the same port and state folder (after a kill). */
  restart(): Promise<ServeProcess>
  /** Changes engine settings the window has no control for (retry waits, concurrency). */
  settings(patch: Partial<Settings>): Promise<void>
  open(page: Page): Promise<void>
}

export const test = base.extend<{ win: WindowFixture }>({
  // Playwright reads a fixture's dependencies from this destructuring: none here.
  // eslint-disable-next-line no-empty-pattern
  win: async ({}, use) => {
    const root = await mkdtemp(join(tmpdir(), 'downpour-window-'))
    const downloads = join(root, 'downloads')
    const state = join(root, 'state')
    const port = await freePort()
    const files = await startFaultServer()
    const args = ['--port', String(port), '--dir', downloads]
    // An engine that dies on its own is worth a line in the report, with its last words.
    const watch = (process: ServeProcess): ServeProcess => {
      void process.exited.then(({ code, signal }) => {
        if (!stopping && !killed.has(process))
          console.error(
            `downpour serve exited (${code ?? signal}):\n${process.stderr().slice(-2000)}`,
          )
      })
      return process
    }
    let stopping = false
    const killed = new Set<ServeProcess>()
    let serve = watch(await startServe(args, { state, uiDir }))
    const fixture: WindowFixture = {
      root,
      downloads,
      state,
      files,
      get serve() {
        return serve
      },
      async kill() {
        const process = serve
        killed.add(process)
        process.child.kill('SIGKILL')
        await process.exited
      },
      async restart() {
        serve = watch(await startServe(args, { state, uiDir }))
        return serve
      },
      async settings(patch) {
        const { socket, client } = await connectClient(serve.origin, {
          authorization: `Bearer ${serve.token}`,
        })
        await client.updateSettings(patch)
        client.dispose()
        socket.close()
      },
      async open(page) {
        // At most 4 connections a download: the fault server rate-limits per connection, and
        // 32 of them per file saturate a 2-core machine shared with other work.
        await fixture.settings({ maxConnectionsPerDownload: 4 })
        await page.goto(serve.url)
        await expect(page.getByRole('status').filter({ hasText: 'Engine running' })).toBeVisible()
      },
    }
    await use(fixture)
    stopping = true
    if (serve.child.exitCode === null && serve.child.signalCode === null) {
      serve.child.kill('SIGKILL')
      await serve.exited
    }
    await files.close()
    await rm(root, { recursive: true, force: true })
  },
})

export { expect }

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export async function sha256File(path: string): Promise<string> {
  return sha256(await readFile(path))
}

/** What a drop carries: any of the payloads a browser or file manager puts in a DataTransfer. */
export type DropPayload = {
  uriList?: string
  text?: string
  html?: string
  files?: { name: string; type: string; content: string }[]
}

/**
 * Drops onto the window as the OS does: a real `DragEvent` sequence (dragenter, dragover,
 * drop) carrying a `DataTransfer` with the payload, fired at an element in the page.
 */
export async function drop(page: Page, payload: DropPayload, target?: Locator): Promise<void> {
  const at = target ?? page.getByRole('main')
  await at.evaluate((element, data) => {
    type Transfer = { setData(f: string, d: string): void; items: { add(file: unknown): void } }
    const g = globalThis as unknown as {
      DataTransfer: new () => Transfer
      File: new (parts: string[], name: string, options: { type: string }) => unknown
      DragEvent: new (type: string, init: Record<string, unknown>) => unknown
    }
    const transfer = new g.DataTransfer()
    if (data.uriList !== undefined) transfer.setData('text/uri-list', data.uriList)
    if (data.html !== undefined) transfer.setData('text/html', data.html)
    if (data.text !== undefined) transfer.setData('text/plain', data.text)
    for (const file of data.files ?? [])
      transfer.items.add(new g.File([file.content], file.name, { type: file.type }))
    const el = element as unknown as { dispatchEvent(event: unknown): boolean }
    for (const type of ['dragenter', 'dragover', 'drop'])
      el.dispatchEvent(
        new g.DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
      )
  }, payload)
}

/** The row of the download named `name` in the Downloads grid. */
export function row(page: Page, name: string): Locator {
  return page.getByRole('grid', { name: 'Downloads' }).getByRole('row').filter({ hasText: name })
}

/** A window size and page zoom (200 % of an 800 × 600 window lays out a 400 × 300 page). */
export type WindowSize = { width: number; height: number; zoom: number }

/** The window open in a page of its own, at the given size and zoom. */
export async function pageAt(
  browser: Browser,
  win: WindowFixture,
  size: WindowSize,
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: size.width / size.zoom, height: size.height / size.zoom },
    deviceScaleFactor: size.zoom,
  })
  const page = await context.newPage()
  await win.open(page)
  return page
}
