import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EngineEvents } from '../../../shared/protocol/events.ts'
import { ERROR_CODES } from '../../../shared/protocol/errors.ts'
import { t } from '../strings.ts'
import { FakeEngine } from '../test/fake-engine.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { pause } from './commands.ts'
import { ask, currentLink, listen, NOT_CONNECTED, send } from './engine-door.ts'
import { bindClient } from './engine-sink.ts'
import { showError } from './ui-actions.ts'

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

/** Every value the error banner takes, in order, from now on. */
function bannerHistory(): { shown: (string | null)[]; stop: () => void } {
  const shown: (string | null)[] = []
  const stop = useAppStore.subscribe((state, previous) => {
    if (state.ui.error !== previous.ui.error) shown.push(state.ui.error)
  })
  return { shown, stop }
}

/** What the engine itself says when asked to move an id it does not hold. */
async function engineRefusal(engine: FakeEngine, id: string): Promise<Error & { code: string }> {
  const refusal = await engine.moveMany([id], { position: 0 }).then(
    () => null,
    (error: Error & { code: string }) => error,
  )
  if (refusal === null) throw new Error(`the engine accepted moving ${id}`)
  return refusal
}

describe('the door to the engine', () => {
  let engine: FakeEngine
  let unbind: (() => void) | null = null
  beforeEach(async () => {
    resetAppStore()
    engine = new FakeEngine()
    unbind = bindClient(engine)
    await settle()
  })
  afterEach(() => unbind?.())

  it('answers with what the engine answered', async () => {
    const [a] = (await send('add', [{ url: 'https://a.example/1.iso' }]))!.added
    const moved = await send('moveMany', [a!.id], { position: 0 })
    expect(moved).toEqual({ ids: [a!.id], position: 0 })
    expect(useAppStore.getState().ui.error).toBeNull()
  })

  it('shows a refusal once, in the banner, with the engine’s own message', async () => {
    const expected = (await engineRefusal(engine, 'nope')).message
    const banner = bannerHistory()
    const answer = await send('moveMany', ['nope'], { position: 0 })
    banner.stop()
    expect(answer).toBeNull()
    expect(banner.shown).toEqual([t.commandFailed(expected)])
    expect(expected).toContain('nope')
  })

  it('shows each later refusal again, once each', async () => {
    const banner = bannerHistory()
    await send('moveMany', ['one'], { position: 0 })
    showError(null) // the person dismissed the banner
    await send('moveMany', ['two'], { position: 0 })
    banner.stop()
    expect(banner.shown).toEqual([
      t.commandFailed((await engineRefusal(engine, 'one')).message),
      null,
      t.commandFailed((await engineRefusal(engine, 'two')).message),
    ])
  })

  it('a command of commands.ts goes through the same policy', async () => {
    const expected = await engine.pause({ ids: ['nope'] }).then(
      () => null,
      (error: Error) => error.message,
    )
    expect(expected).toContain('nope')
    const banner = bannerHistory()
    expect(await pause(['nope'])).toBeNull()
    banner.stop()
    expect(banner.shown).toEqual([t.commandFailed(expected!)])
  })

  it('ask hands the refusal back, code and message, and shows nothing', async () => {
    const expected = await engineRefusal(engine, 'nope')
    const banner = bannerHistory()
    const reply = await ask('moveMany', ['nope'], { position: 0 })
    banner.stop()
    expect(reply).toEqual({
      ok: false,
      offline: false,
      code: ERROR_CODES.notFound,
      message: expected.message,
    })
    expect(banner.shown).toEqual([])
  })

  it('while offline, calls nothing and shows nothing', async () => {
    unbind!()
    unbind = null
    const calls = engine.calls.length
    const banner = bannerHistory()
    expect(await send('pause', { all: true })).toBeNull()
    expect(await ask('uiPreferences')).toEqual({
      ok: false,
      offline: true,
      code: null,
      message: NOT_CONNECTED,
    })
    banner.stop()
    expect(engine.calls.length).toBe(calls)
    expect(banner.shown).toEqual([])
    expect(currentLink()).toBeNull()
    expect(listen('download/added', () => {})).toBeTypeOf('function')
  })

  it('listens on the engine connected now; a new connection is a new link', async () => {
    const heard: EngineEvents['download/added'][] = []
    const off = listen('download/added', (event) => heard.push(event))
    const first = currentLink()
    await send('add', [{ url: 'https://a.example/1.iso' }])
    off()
    await send('add', [{ url: 'https://a.example/2.iso' }])
    expect(heard.map((e) => e.downloads.map((d) => d.url))).toEqual([['https://a.example/1.iso']])

    const next = new FakeEngine()
    unbind = bindClient(next)
    await settle()
    expect(currentLink()).not.toBe(first)
    expect(currentLink()).not.toBeNull()
    await send('pause', { all: true })
    expect(next.calls.map((c) => c.method)).toContain('pause')
    expect(engine.calls.filter((c) => c.method === 'pause')).toEqual([])
  })
})
