import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { useCli, type CliRun } from '../../test/run-cli.ts'
import { startForwardProxy, VIA, type ForwardProxy } from '../../test/forward-proxy.ts'
import {
  makeSelfSignedCert,
  opensslMissing,
  startTlsServer,
  type SelfSignedCert,
} from '../../test/self-signed-cert.ts'

// The real CLI in a child process, downloading through a real local forward proxy.

const cli = useCli()
const { server, dirs } = cli
let proxy: ForwardProxy

beforeEach(async () => {
  proxy = await startForwardProxy()
  cli.onTeardown(() => proxy.close())
})

function run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return cli.start(['-q', '--timeout', '10', ...args], { env }).done
}

/**
 * Every connection the origin server accepted was opened by the proxy for `path`. That holds
 * whichever way the client used the proxy: the test proxy opens one upstream connection per
 * absolute-form request (undici's way for http:// targets) and one per CONNECT tunnel.
 */
function expectAllThroughProxy(path: string): void {
  const hops = proxy.hops()
  const host = new URL(server.origin).host
  expect(server.requests(path).length).toBeGreaterThan(0)
  expect(hops.length).toBeGreaterThan(0)
  expect(hops.every((h) => h.target === host)).toBe(true)
  expect(server.connectionsOpened()).toBe(hops.length)
  // Requests forwarded in absolute form also reached the server stamped with the proxy's Via.
  const forwarded = hops.filter((h) => h.kind === 'forward')
  expect(forwarded.every((h) => h.path === path)).toBe(true)
  expect(server.requests(path).filter((r) => r.headers.via === VIA)).toHaveLength(forwarded.length)
}

describe('downpour get through a proxy', () => {
  it('--all-proxy: every request goes through the proxy and the bytes are exact', async () => {
    const body = makeBody(400 * 1024, 31)
    server.file('/flag.bin', body)
    const result = await run(['--all-proxy', proxy.origin, server.url('/flag.bin')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'flag.bin'))).toBe(sha256(body))
    expectAllThroughProxy('/flag.bin')
  })

  it('HTTP_PROXY from the environment applies when no flag is given', async () => {
    const body = makeBody(400 * 1024, 32)
    server.file('/env.bin', body)
    const result = await run([server.url('/env.bin')], { HTTP_PROXY: proxy.origin })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'env.bin'))).toBe(sha256(body))
    expectAllThroughProxy('/env.bin')
  })

  it('NO_PROXY=127.0.0.1 bypasses HTTP_PROXY: the proxy sees nothing, the download completes', async () => {
    const body = makeBody(400 * 1024, 33)
    server.file('/direct.bin', body)
    const result = await run([server.url('/direct.bin')], {
      HTTP_PROXY: proxy.origin,
      NO_PROXY: '127.0.0.1',
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'direct.bin'))).toBe(sha256(body))
    expect(proxy.hops()).toEqual([])
    expect(server.requests('/direct.bin').length).toBeGreaterThan(0)
    expect(server.requests('/direct.bin').some((r) => r.headers.via !== undefined)).toBe(false)
  })
})

const noOpenssl = opensslMissing()
if (noOpenssl)
  console.warn(`cli-proxy.test.ts: skipping the https-through-proxy test: ${noOpenssl}`)

describe.skipIf(noOpenssl !== null)('downpour get through a proxy to an https server', () => {
  let certDir: string
  let cert: SelfSignedCert

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'downpour-cert-'))
    cert = await makeSelfSignedCert(certDir)
  })

  afterAll(async () => {
    if (certDir) await rm(certDir, { recursive: true, force: true })
  })

  it('HTTPS_PROXY: tunnels with CONNECT, TLS still verified end to end, bytes exact', async () => {
    const tls = await startTlsServer(cert)
    try {
      const body = makeBody(300 * 1024, 34)
      tls.file('/tunnel.bin', body)
      const result = await run([tls.url('/tunnel.bin')], {
        HTTPS_PROXY: proxy.origin,
        NODE_EXTRA_CA_CERTS: cert.certPath,
      })
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(await readdir(dirs.downloads)).toEqual(['tunnel.bin'])
      expect(await sha256File(join(dirs.downloads, 'tunnel.bin'))).toBe(sha256(body))
      const hops = proxy.hops()
      expect(hops.length).toBeGreaterThan(0)
      expect(hops.every((h) => h.kind === 'tunnel' && h.target === new URL(tls.origin).host)).toBe(
        true,
      )
      // Every connection the https server accepted came through one of those tunnels.
      expect(tls.connectionsOpened()).toBe(hops.length)
      expect(tls.requests()).toContainEqual({ method: 'GET', path: '/tunnel.bin' })
    } finally {
      await tls.close()
    }
  })
})
