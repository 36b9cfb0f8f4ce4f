// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { resetAppStore } from '../../store/app-store.ts'
import { openAddDialog } from '../../store/ui-actions.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { mountApp, settle } from '../../test/mount-app.tsx'
import { installLayoutShim } from '../../test/layout-shim.ts'
import { EMPTY_LIST } from '../../../../shared/list/join-lists.ts'
import { MAX_LIST_FILE_BYTES, readTransfer } from './read-drop.ts'

installLayoutShim()

async function open(text: string, queued: string[] = []) {
  resetAppStore()
  const engine = new FakeEngine()
  if (queued.length) await engine.add(queued.map((url) => ({ url })))
  await mountApp(engine)
  await act(async () => openAddDialog({ text }))
  await settle()
  // The dialog is a chunk of its own (lazy-views.tsx): its first opening waits for it.
  const dialog = await screen.findByRole('dialog', { name: 'Add downloads' }, { timeout: 10_000 })
  return { engine, dialog }
}

describe('the add dialog', () => {
  afterEach(() => cleanup())

  it('previews counts, each bad line with its number and reason, and duplicates', async () => {
    const { dialog } = await open(
      [
        'https://dl.example/a.iso',
        'hello',
        'https://dl.example/b.iso https://dl.example/a.iso',
        'javascript:alert(1)',
        'https://dl.example/queued.bin',
        'https://dl.example/c.iso',
      ].join('\n'),
      ['https://dl.example/queued.bin'],
    )
    const status = within(dialog).getByRole('status')
    expect(status.textContent).toBe('3 downloads2 invalid lines2 duplicates')
    const preview = within(dialog).getByRole('region', { name: 'Preview' })
    const items = within(preview)
      .getAllByRole('listitem')
      .map((li) => li.textContent)
    expect(items).toEqual([
      'Line 1https://dl.example/a.iso',
      'Line 2hellonot a URL: "hello"',
      'Line 3https://dl.example/b.iso',
      'Line 3https://dl.example/a.isoDuplicate of line 1, skipped',
      expect.stringMatching(/^Line 4javascript:alert\(1\)unsupported scheme "javascript"/),
      'Line 5queued.bin — Downloading 0 %in /home/me/DownloadsSkipShowDownload again',
      'Line 6https://dl.example/c.iso',
    ])
    expect(within(dialog).getByRole('button', { name: 'Add 3 downloads' })).toBeDefined()
  })

  it('adds what it previewed, to the folder given, paused if asked', async () => {
    const { engine, dialog } = await open('https://dl.example/1.bin\nhttps://dl.example/2.bin')
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'Destination folder' }), {
      target: { value: '/data/isos' },
    })
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Add paused' }))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add 2 downloads paused' }))
    await settle()
    expect(engine.calls.at(-1)).toEqual({
      method: 'add',
      args: [
        [
          { url: 'https://dl.example/1.bin', dir: '/data/isos', paused: true },
          { url: 'https://dl.example/2.bin', dir: '/data/isos', paused: true },
        ],
        // Only the refusals are read: the new downloads reach the list as events.
        { answer: 'refusals' },
      ],
    })
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(screen.getAllByText('Paused — can resume')).toHaveLength(2)
  })

  it('shows what the engine refused, with its reason', async () => {
    const { engine, dialog } = await open('https://dl.example/new.bin')
    // Someone else adds the same URL while the dialog is open: the engine refuses the duplicate.
    await act(async () => void (await engine.add([{ url: 'https://dl.example/new.bin' }])))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add 1 download' }))
    await settle()
    const alert = within(dialog).getByRole('alert')
    expect(alert.textContent).toContain('The engine refused 1 download')
    expect(alert.textContent).toContain('https://dl.example/new.bin — already in the queue')
  })

  it('previews 10,000 pasted URLs with a bounded number of rows drawn', async () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `https://many.example/${i}.bin`).join(
      '\n',
    )
    const { dialog } = await open(text)
    expect(within(dialog).getByRole('button', { name: 'Add 10,000 downloads' })).toBeDefined()
    const items = within(within(dialog).getByRole('region', { name: 'Preview' })).getAllByRole(
      'listitem',
    )
    expect(items.length).toBeLessThan(40)
    expect(items[0]!.getAttribute('aria-setsize')).toBe('10000')
  })
})

describe('the add dialog with dropped links', () => {
  afterEach(() => cleanup())

  it('previews a dropped page’s links as read, first, with the typed lines after; both drops add up; Remove takes the links out', async () => {
    resetAppStore()
    const engine = new FakeEngine()
    await mountApp(engine)
    const html = (hrefs: string[]) => ({
      types: ['text/html'],
      files: [],
      getData: () => hrefs.map((h) => `<a href="${h}">x</a>`).join('\n'),
    })
    const first = await readTransfer(html(['https://dl.example/1', 'https://dl.example/2']), 'drop')
    await act(async () => openAddDialog(first!))
    await settle()
    const dialog = await screen.findByRole('dialog', { name: 'Add downloads' }, { timeout: 10_000 })
    // A second drop while the dialog is open: its links come after, a repeat is marked.
    const second = await readTransfer(
      html(['https://dl.example/3', 'https://dl.example/1']),
      'drop',
    )
    await act(async () => openAddDialog(second!))
    const textarea = within(dialog).getByRole('textbox', { name: /URLs/ }) as HTMLTextAreaElement
    expect(textarea.value).toBe('')
    fireEvent.change(textarea, {
      target: { value: 'https://dl.example/4\nnope\nhttps://dl.example/2' },
    })
    await settle()
    expect(within(dialog).getByText('4 dropped links, in the preview below')).toBeDefined()
    const items = () =>
      within(within(dialog).getByRole('region', { name: 'Preview' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent)
    expect(items()).toEqual([
      'Line 1https://dl.example/1',
      'Line 2https://dl.example/2',
      'Line 3https://dl.example/3',
      'Line 4https://dl.example/1Duplicate of line 1, skipped',
      'Line 5https://dl.example/4',
      'Line 6nopenot a URL: "nope"',
      'Line 7https://dl.example/2Duplicate of line 2, skipped',
    ])
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove dropped links' }))
    await settle()
    expect(within(dialog).queryByText(/dropped link/)).toBeNull()
    expect(items()).toEqual([
      'Line 1https://dl.example/4',
      'Line 2nopenot a URL: "nope"',
      'Line 3https://dl.example/2',
    ])
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add 2 downloads' }))
    await settle()
    expect(engine.calls.filter((c) => c.method === 'add').at(-1)).toEqual({
      method: 'add',
      args: [
        [{ url: 'https://dl.example/4' }, { url: 'https://dl.example/2' }],
        { answer: 'refusals' },
      ],
    })
  })
})

describe('readTransfer', () => {
  const transfer = (data: Record<string, string>, files: File[] = []) => ({
    types: [...Object.keys(data), ...(files.length ? ['Files'] : [])],
    files,
    getData: (type: string) => data[type] ?? '',
  })

  it('a drop prefers the links of text/uri-list, then HTML links, then text', async () => {
    expect(
      await readTransfer(
        transfer({ 'text/uri-list': '# from a page\nhttps://a/1', 'text/plain': 'x' }),
        'drop',
      ),
    ).toEqual({ text: '# from a page\nhttps://a/1', dropped: EMPTY_LIST, notes: [] })
    // HTML's links are read once, here, and kept as read: no text to read again.
    expect(
      await readTransfer(
        transfer({
          'text/html': '<a href="https://a/1?x=1&amp;y=2">1</a> <a href=\'https://a/2\'>2</a>',
        }),
        'drop',
      ),
    ).toEqual({
      text: '',
      dropped: {
        entries: [
          { line: 1, request: { url: 'https://a/1?x=1&y=2' } },
          { line: 2, request: { url: 'https://a/2' } },
        ],
        problems: [],
        duplicates: [],
      },
      notes: [],
    })
    expect(
      await readTransfer(transfer({ 'text/plain': 'https://a/1, https://a/2' }), 'drop'),
    ).toEqual({
      text: 'https://a/1, https://a/2',
      dropped: EMPTY_LIST,
      notes: [],
    })
    expect(await readTransfer(transfer({}), 'drop')).toBeNull()
  })

  it('reads dropped list files and refuses ones over 50 MB with a clear message', async () => {
    const list = new File(['https://a/1\nhttps://a/2\n'], 'list.txt', { type: 'text/plain' })
    const page = new File(['<a href="https://a/3">x</a>'], 'links.html', { type: 'text/html' })
    const huge = {
      name: 'huge.txt',
      size: MAX_LIST_FILE_BYTES + 1,
      type: 'text/plain',
      text: () => Promise.reject(new Error('must not be read')),
    } as unknown as File
    const draft = await readTransfer(transfer({}, [list, page, huge]), 'drop')
    expect(draft?.text).toBe('https://a/1\nhttps://a/2\n')
    expect(draft?.dropped?.entries).toEqual([{ line: 1, request: { url: 'https://a/3' } }])
    expect(draft?.notes).toEqual([
      'huge.txt is larger than 50 MB; a list that big is refused. Split it, or pass it to the CLI.',
    ])
  })
})

describe('the add dialog with URLs the queue holds', () => {
  afterEach(() => cleanup())

  async function openWithHistory(text: string) {
    resetAppStore()
    const engine = new FakeEngine()
    const { added } = await engine.add([
      { url: 'https://dl.example/gone.bin' },
      { url: 'https://dl.example/kept.bin' },
      { url: 'https://dl.example/run.bin' },
    ])
    const [gone, kept, run] = added.map((d) => d.id) as [string, string, string]
    for (const id of [gone, kept])
      engine.setState(id, 'completed', {
        size: 100,
        done: 100,
        completedAt: Date.now() - 3 * 86_400_000,
      })
    engine.setState(run, 'downloading', { size: 1000, done: 400 })
    engine.deletedFiles.add(gone)
    await mountApp(engine)
    await act(async () => openAddDialog({ text }))
    await settle()
    const dialog = await screen.findByRole('dialog', { name: 'Add downloads' }, { timeout: 10_000 })
    await settle()
    return { engine, dialog, gone, kept, run }
  }

  const lineOf = (dialog: HTMLElement, url: string) =>
    within(within(dialog).getByRole('region', { name: 'Preview' }))
      .getAllByRole('listitem')
      .find((li) => li.textContent?.includes(url))!

  it('says what each is (file missing found on opening), and one click downloads them again', async () => {
    const { engine, dialog, gone } = await openWithHistory(
      'https://dl.example/gone.bin\nhttps://dl.example/kept.bin\nhttps://dl.example/run.bin',
    )
    // The dialog asked the engine to look at the completed ones' files.
    expect(engine.calls.some((c) => c.method === 'checkFiles')).toBe(true)
    // The file and its state first, the folder after (cut in its middle by CSS only).
    expect(lineOf(dialog, 'gone.bin').textContent).toContain(
      'gone.bin — Completed 3 days ago, file missingin /home/me/Downloads',
    )
    expect(lineOf(dialog, 'kept.bin').textContent).toContain(
      'kept.bin — Completed 3 days ago' + 'in /home/me/Downloads',
    )
    // The whole of it, URL included, as the line's title and its choice's description.
    const full =
      'gone.bin — Completed 3 days ago, file missing · in /home/me/Downloads · https://dl.example/gone.bin'
    expect(lineOf(dialog, 'gone.bin').querySelector(`[title="${full}"]`)).not.toBeNull()
    const choice = within(lineOf(dialog, 'gone.bin')).getByRole('group')
    expect(choice.getAttribute('aria-description')).toBe(full)
    expect(lineOf(dialog, 'kept.bin').textContent).not.toContain('missing')
    expect(lineOf(dialog, 'run.bin').textContent).toContain('Downloading 40 %')
    // Still being downloaded: "again" is not offered for it.
    const runAgain = within(lineOf(dialog, 'run.bin')).getByRole('button', {
      name: 'Download again',
    })
    expect((runAgain as HTMLButtonElement).disabled).toBe(true)
    // Nothing new, but two could be fetched again: never "Nothing to add".
    expect(within(dialog).queryByRole('button', { name: 'Nothing to add' })).toBeNull()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Download 2 files again' }))
    await settle()
    const calls = engine.calls.filter((c) => c.method === 'remove' || c.method === 'add').slice(-2)
    expect(calls).toEqual([
      { method: 'remove', args: [{ ids: [gone] }, { deleteFiles: true }] },
      {
        method: 'add',
        args: [
          [
            { url: 'https://dl.example/gone.bin', onDuplicate: 'again' },
            { url: 'https://dl.example/kept.bin', onDuplicate: 'again' },
          ],
          { answer: 'refusals' },
        ],
      },
    ])
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('per line: download one again beside new lines; skip takes it back', async () => {
    const { engine, dialog } = await openWithHistory(
      'https://dl.example/kept.bin\nhttps://dl.example/new.bin',
    )
    const kept = lineOf(dialog, 'kept.bin')
    fireEvent.click(within(kept).getByRole('button', { name: 'Download again' }))
    expect(within(dialog).getByRole('button', { name: 'Add 2 downloads (1 again)' })).toBeDefined()
    fireEvent.click(within(kept).getByRole('button', { name: 'Skip' }))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add 1 download' }))
    await settle()
    // The last add (a completed row's file look, `checkFiles`, may come after it under load).
    expect(engine.calls.filter((c) => c.method === 'add').at(-1)).toEqual({
      method: 'add',
      args: [[{ url: 'https://dl.example/new.bin' }], { answer: 'refusals' }],
    })
  })

  it('"Show" closes the dialog and selects the download in the list', async () => {
    const { dialog, run } = await openWithHistory('https://dl.example/run.bin')
    fireEvent.click(within(lineOf(dialog, 'run.bin')).getByRole('button', { name: 'Show' }))
    await settle()
    expect(screen.queryByRole('dialog')).toBeNull()
    const row = document.querySelector(`[role="row"][data-id="${run}"]`)
    expect(row?.getAttribute('aria-selected')).toBe('true')
  })
})
