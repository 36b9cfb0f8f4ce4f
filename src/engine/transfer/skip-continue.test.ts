import { createServer, type Server, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { connectorSkippingContinue } from './skip-continue.ts'

/**
 * A loopback server that answers each request with unsolicited 100 Continue heads and then the
 * response, written one small piece at a time, so the filter sees every split a network makes.
 */
let server: Server
let port: number
let connections = 0
const pieceSizes = [1, 3, 7, 13]

async function dribble(socket: Socket, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'latin1')
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = pieceSizes[i % pieceSizes.length]!
    socket.write(bytes.subarray(at, at + size))
    at += size
    await sleep(1)
  }
}

beforeEach(async () => {
  connections = 0
  server = createServer((socket) => {
    connections++
    let seen = ''
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1')
      while (seen.includes('\r\n\r\n')) {
        const head = seen.slice(0, seen.indexOf('\r\n\r\n'))
        seen = seen.slice(seen.indexOf('\r\n\r\n') + 4)
        const path = head.split(' ')[1] ?? '/'
        const body = `body of ${path}`
        void dribble(
          socket,
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\nX-Extra: 1\r\n\r\n' +
            `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nHTTP-Looks: like 100 Continue\r\n\r\n${body}`,
        )
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
})

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve))
})

it('skips 100 Continue heads split anywhere, before every response', async () => {
  const agent = new Agent({ connect: connectorSkippingContinue(2000), pipelining: 1 })
  try {
    for (const path of ['/a', '/b', '/c']) {
      const res = await request(`http://127.0.0.1:${port}${path}`, { dispatcher: agent })
      expect(res.statusCode).toBe(200)
      expect(await res.body.text()).toBe(`body of ${path}`)
    }
    // (Whether undici reuses the connection is its own choice; each response starts clean.)
    expect(connections).toBeGreaterThan(0)
  } finally {
    await agent.close()
  }
})

it('without the filter, undici refuses the same answer (what the filter is for)', async () => {
  const agent = new Agent()
  try {
    await expect(request(`http://127.0.0.1:${port}/a`, { dispatcher: agent })).rejects.toThrow(
      /bad response/,
    )
  } finally {
    await agent.destroy()
  }
})
