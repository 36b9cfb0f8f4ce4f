import { describe, expect, it } from 'vitest'
import {
  summarizeCpuProfile,
  summarizeMainThread,
  type CpuProfile,
  type TraceEvent,
} from './load-summary.ts'

const frame = (functionName: string, url = '') => ({
  functionName,
  url,
  lineNumber: 0,
  columnNumber: 0,
})

describe('summarizeCpuProfile', () => {
  // root → a (mod A) → b (mod B) → a2 (mod A again); samples 1 ms apart.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 5] },
      { id: 2, callFrame: frame('a', 'http://x/a.js'), children: [3] },
      { id: 3, callFrame: frame('b', 'http://x/b.js'), children: [4] },
      { id: 4, callFrame: frame('a2', 'http://x/a.js') },
      { id: 5, callFrame: frame('(program)') },
    ],
    startTime: 0,
    endTime: 5000,
    samples: [2, 3, 4, 5, 4],
    timeDeltas: [0, 1000, 1000, 1000, 1000],
  }
  const byUrl = (url: string) => ({ module: url.split('/').pop()!, name: url })

  it('counts self time at the leaf and inclusive time once per module on the stack', () => {
    // The last sample has no following delta: it weighs nothing.
    const s = summarizeCpuProfile(profile, (url) => byUrl(url))
    expect(s.sampledMs).toBe(4)
    const a = s.byModule.find((r) => r.name === 'a.js')!
    const b = s.byModule.find((r) => r.name === 'b.js')!
    // a.js: self in samples 1 and 3; on the stack of samples 1, 2, 3 (counted once in 3).
    expect(a).toEqual({ name: 'a.js', selfMs: 2, totalMs: 3 })
    expect(b).toEqual({ name: 'b.js', selfMs: 1, totalMs: 2 })
    expect(s.byModule.find((r) => r.name === '(program)')?.selfMs).toBe(1)
  })

  it('keeps only the samples inside the window', () => {
    const s = summarizeCpuProfile(profile, (url) => byUrl(url), 1500, 3500)
    expect(s.sampledMs).toBe(2)
    // Samples at 2 ms (a2 in b in a) and 3 ms ((program)).
    expect(s.byModule.find((r) => r.name === 'b.js')).toEqual({
      name: 'b.js',
      selfMs: 0,
      totalMs: 1,
    })
    expect(s.byModule.find((r) => r.name === '(program)')?.selfMs).toBe(1)
  })

  it('names frames without a resolver result by URL and line', () => {
    const s = summarizeCpuProfile(profile, () => null)
    expect(s.byFunction.map((r) => r.name)).toContain('a http://x/a.js:1')
  })
})

describe('summarizeMainThread', () => {
  const ev = (name: string, ts: number, dur: number, tid = 1): TraceEvent => ({
    name,
    ph: 'X',
    ts,
    dur,
    pid: 1,
    tid,
  })
  const events: TraceEvent[] = [
    { name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid: 1, args: { name: 'CrRendererMain' } },
    { name: 'thread_name', ph: 'M', ts: 0, pid: 2, tid: 2, args: { name: 'CrRendererMain' } },
    ev('RunTask', 0, 40_000),
    ev('v8.evaluateModule', 1000, 30_000),
    ev('V8.CollectSourcePositions', 2000, 20_000),
    ev('RunTask', 50_000, 5000),
    ev('Layout', 51_000, 4000),
    // Another renderer, busier, but the mark says which is the page's.
    ...Array.from({ length: 10 }, (_, i) => ({ ...ev('RunTask', i * 1000, 900), pid: 2, tid: 2 })),
    { name: 'downpour:first-row', ph: 'I', ts: 60_000, pid: 1, tid: 1 },
  ]

  it('gives self time by event on the thread that drew the first row, and its long tasks', () => {
    const s = summarizeMainThread(events, 0, 60_000)
    expect(s.busyMs).toBe(45)
    expect(s.busyCpuMs).toBeNull() // these events carry no thread times
    const self = Object.fromEntries(s.byEvent.map((r) => [r.name, r.selfMs]))
    expect(self).toEqual({
      'V8.CollectSourcePositions': 20,
      'v8.evaluateModule': 10,
      RunTask: 11,
      Layout: 4,
    })
    expect(s.longTasks).toEqual([
      {
        atMs: 0,
        durMs: 40,
        cpuMs: null,
        mostly: 'v8.evaluateModule 30 > V8.CollectSourcePositions 20',
        inside: 'V8.CollectSourcePositions 20, RunTask 10, v8.evaluateModule 10',
      },
    ])
  })

  it('names what a long task dispatched and called, and how much of it the thread ran', () => {
    const withData = (e: TraceEvent, data: Record<string, unknown>): TraceEvent => ({
      ...e,
      args: { data },
    })
    const steady: TraceEvent[] = [
      { name: 'downpour:steady', ph: 'I', ts: 0, pid: 1, tid: 1 },
      { ...ev('RunTask', 10_000, 80_000), tdur: 30_000 },
      withData(ev('EventDispatch', 11_000, 70_000), { type: 'input' }),
      withData(ev('FunctionCall', 12_000, 60_000), {
        functionName: 'setSearch',
        url: 'http://127.0.0.1:1/assets/boot-abc.js',
        lineNumber: 41,
      }),
      ev('Layout', 85_000, 4000),
    ]
    const s = summarizeMainThread(steady, 0, 100_000, 50)
    expect(s.busyCpuMs).toBe(30)
    expect(s.longTasks).toEqual([
      {
        atMs: 10,
        durMs: 80,
        cpuMs: 30,
        mostly: 'EventDispatch(input) 70 > FunctionCall(setSearch boot-abc.js:42) 60',
        inside:
          'FunctionCall(setSearch boot-abc.js:42) 60, EventDispatch(input) 10, RunTask 6, Layout 4',
      },
    ])
  })

  it('clips events to the window', () => {
    const s = summarizeMainThread(events, 20_000, 52_000)
    expect(s.busyMs).toBe(22)
    expect(s.byEvent.find((r) => r.name === 'Layout')?.totalMs).toBe(1)
  })
})
