import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { makeSnapshot } from '../../../test/make-snapshot.ts'
import { portOf } from '../../../test/message-port.ts'
import { Emitter } from '../emitter.ts'
import { packAdded, problemsOnArrival, unpackAdded } from './added-on-wire.ts'
import { DEFAULT_SETTINGS } from './default-settings.ts'
import { describeBadAdded } from './download-patch.ts'
import { EngineMirror, memoryStorage } from './engine-mirror.ts'
import type { EngineApi } from './api.ts'
import type { EngineEvents } from './events.ts'
import type { DownloadSnapshot } from './model.ts'
import { createEngineClient, serveEngine } from './rpc.ts'

/** A part of an add as the engine emits it: one folder, the first few started, the rest queued. */
function part(count: number): EngineEvents['download/added'] {
  const downloads = Array.from({ length: count }, (_, i) =>
    makeSnapshot({
      id: `id-${i}`,
      url: `http://127.0.0.1:8080/f/${i}.bin`,
      name: `${i}.bin`,
      dir: '/home/someone/Downloads/a folder with a long name',
      state: i < 3 ? 'downloading' : 'queued',
      createdAt: 1_765_000_000_000 + i,
    }),
  )
  return { revision: 7, downloads }
}

const overTheWire = (payload: EngineEvents['download/added']) =>
  unpackAdded(JSON.parse(JSON.stringify(packAdded(payload))))

describe('download/added on the wire', () => {
  it('sends the fields every download shares once, and puts each download back whole', () => {
    const payload = part(1000)
    const packed = packAdded(payload)
    expect(packed.shared).toMatchObject({ dir: payload.downloads[0]!.dir, done: 0, error: null })
    // Different in some: with each download.
    expect(packed.shared).not.toHaveProperty('state')
    expect(packed.shared).not.toHaveProperty('url')
    expect(packed.downloads[0]).toEqual({
      id: 'id-0',
      url: 'http://127.0.0.1:8080/f/0.bin',
      name: '0.bin',
      state: 'downloading',
      createdAt: 1_765_000_000_000,
    })
    expect(overTheWire(payload)).toEqual(payload)
    const whole = JSON.stringify(payload).length
    expect(JSON.stringify(packed).length).toBeLessThan(whole * 0.4)
  })

  it('keeps objects and fields some downloads lack with their download', () => {
    const error = { code: 'DP_ERR_HTTP', message: '404' }
    const payload: EngineEvents['download/added'] = {
      revision: 3,
      downloads: [
        makeSnapshot({ id: 'a', error, mirrors: ['http://m/a'], lastByteAt: 5 }),
        makeSnapshot({ id: 'b', error, lastByteAt: 5 }),
      ],
    }
    const packed = packAdded(payload)
    // Equal errors, but objects: a client must never get one object in two downloads.
    expect(packed.shared).not.toHaveProperty('error')
    expect(packed.shared).not.toHaveProperty('mirrors')
    expect(packed.shared).toHaveProperty('lastByteAt', 5)
    const back = overTheWire(payload)
    expect(back).toEqual(payload)
    expect(back.downloads[1]).not.toHaveProperty('mirrors')
  })

  it('sends one download as it is, and packs an event once however many clients get it', () => {
    const one = { revision: 1, downloads: [makeSnapshot({ id: 'only' })] }
    expect(packAdded(one)).toBe(one)
    const many = part(10)
    expect(packAdded(many)).toBe(packAdded(many))
  })

  it('passes what it cannot read through unchanged, for the mirror to refuse', () => {
    const odd = { revision: 2, shared: { dir: '/d' }, downloads: [null, { id: 'x' }] }
    expect(unpackAdded(odd).downloads).toEqual([null, { dir: '/d', id: 'x' }])
    const plain = { revision: 2, downloads: [makeSnapshot()] }
    expect(unpackAdded(plain)).toBe(plain)
  })

  it('travels packed between serveEngine and createEngineClient; listeners hear whole downloads', async () => {
    const events = new Emitter<EngineEvents>()
    const engine = { on: events.on.bind(events) } as unknown as EngineApi & {
      on: typeof events.on
    }
    const channel = new MessageChannel()
    const posted: unknown[] = []
    const serverPort = portOf(channel.port1)
    const stop = serveEngine(
      { ...serverPort, postMessage: (m) => (posted.push(m), serverPort.postMessage(m)) },
      engine,
    )
    const client = createEngineClient(portOf(channel.port2))
    try {
      const heard = new Promise<DownloadSnapshot[]>((resolve) =>
        client.on('download/added', (e) => resolve(e.downloads)),
      )
      const payload = part(20)
      events.emit('download/added', payload)
      expect(await heard).toEqual(payload.downloads)
      expect(posted).toEqual([
        {
          kind: 'event',
          name: 'download/added',
          payload: expect.objectContaining({ shared: expect.any(Object) }),
        },
      ])
    } finally {
      stop()
      client.dispose()
      channel.port1.close()
      channel.port2.close()
    }
  })
})

describe('download/added checked on arrival', () => {
  /** Each case: the wire form as it might arrive (a newer engine, a bug, a hostile server). */
  const good = () =>
    packAdded(part(4)) as {
      revision: number
      shared: Record<string, unknown>
      downloads: Record<string, unknown>[]
    }
  const cases: Record<string, (wire: ReturnType<typeof good>) => void> = {
    'as sent': () => {},
    'a wrong type in one download': (w) => (w.downloads[1]!.url = 5),
    'a field no download has': (w) => delete w.downloads[2]!.name,
    'a field the shared part lacks': (w) => delete w.shared.dir,
    'a bad shared field': (w) => (w.shared.done = 'none'),
    'a bad shared field one download sets right': (w) => {
      w.shared.speed = -1 as never
      w.shared.tries = 'x'
      w.downloads[0]!.tries = 2
    },
    'a bad optional field': (w) => (w.downloads[3]!.lastByteAt = 'soon'),
    'a field the schema does not know': (w) => (w.downloads[0]!.extra = { any: 1 }),
    'a download that is not an object': (w) => (w.downloads[2] = 7 as never),
    'a bad state': (w) => (w.downloads[1]!.state = 'sleeping'),
  }
  for (const [name, spoil] of Object.entries(cases))
    it(`finds what checking each whole download finds: ${name}`, () => {
      const wire = structuredClone(good())
      spoil(wire)
      const unpacked = unpackAdded(wire)
      const found = problemsOnArrival(unpacked)!
      expect(found).toHaveLength(wire.downloads.length)
      const whole = unpacked.downloads.map((d) => describeBadAdded(d))
      expect(found.map((p) => p !== null)).toEqual(whole.map((p) => p !== null))
    })

  it('names the download and the field', () => {
    const wire = structuredClone(good())
    wire.downloads[1]!.url = 5
    delete wire.downloads[2]!.name
    expect(problemsOnArrival(unpackAdded(wire))).toEqual([
      null,
      'added download id-1: url: Invalid type: Expected string but received 5',
      'added download id-2: name: missing',
      null,
    ])
  })

  it('the mirror refuses what failed on arrival and reads a snapshot', async () => {
    const wire = structuredClone(good())
    wire.downloads[1]!.url = 5
    const rejected: string[] = []
    const mirror = new EngineMirror({
      read: async (m) =>
        m.reset({
          revision: 6, // the queue just before the event (part() carries revision 7)
          downloads: [],
          settings: { ...DEFAULT_SETTINGS, defaultDir: '/d' },
        }),
      storage: memoryStorage((change) => {
        if (change.name === 'download/added') rejected.push(...change.rejected)
      }),
    })
    mirror.follow(new Emitter<EngineEvents>())
    await mirror.firstRead
    const received = mirror.receive({ name: 'download/added', payload: unpackAdded(wire) })
    expect(received).toBe('gap')
    expect(rejected).toEqual([
      'added download id-1: url: Invalid type: Expected string but received 5',
    ])
  })

  it('leaves an event sent whole, or made in this process, to the mirror to check', () => {
    expect(problemsOnArrival(part(1))).toBeUndefined()
    expect(
      problemsOnArrival(unpackAdded({ revision: 1, downloads: [makeSnapshot()] })),
    ).toBeUndefined()
  })
})
