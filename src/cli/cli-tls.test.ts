import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { makeDirs, sha256, sha256File } from '../../test/engine-harness.ts'
import { startCli, type CliRun } from '../../test/run-cli.ts'
import {
  makeSelfSignedCert,
  opensslMissing,
  startTlsServer,
  type SelfSignedCert,
  type TlsServer,
} from '../../test/self-signed-cert.ts'

// The real CLI in a child process against a real HTTPS server whose self-signed certificate
// is trusted the legitimate way (NODE_EXTRA_CA_CERTS): TLS stays verified throughout.

const noOpenssl = opensslMissing()
if (noOpenssl) console.warn(`cli-tls.test.ts: skipping the TLS tests: ${noOpenssl}`)

let cert: SelfSignedCert
let certDir: string
let tls: TlsServer
let plain: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>

function run(args: string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(['--timeout', '10', ...args], {
    downloads: dirs.downloads,
    state: dirs.state,
    env,
  }).done
}

/** The download folder's entries; a folder never created counts as empty. */
async function listDownloads(): Promise<string[]> {
  try {
    return (await readdir(dirs.downloads)).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

type JsonEvent = { event: string; download?: { state: string; error?: { code: string } | null } }

function lastDownloadState(stdout: string): JsonEvent['download'] {
  const events = stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JsonEvent)
  return events.filter((e) => e.event === 'download/changed').at(-1)?.download
}

describe.skipIf(noOpenssl !== null)('downpour get over verified TLS', () => {
  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'downpour-cert-'))
    cert = await makeSelfSignedCert(certDir)
  })

  afterAll(async () => {
    if (certDir) await rm(certDir, { recursive: true, force: true })
  })

  beforeEach(async () => {
    tls = await startTlsServer(cert)
    plain = await startFaultServer()
    dirs = await makeDirs()
  })

  afterEach(async () => {
    await tls.close()
    await plain.close()
    await dirs.cleanup()
  })

  it('control: trusts the certificate via NODE_EXTRA_CA_CERTS and downloads the exact bytes', async () => {
    const body = makeBody(300 * 1024, 21)
    tls.file('/secure.bin', body)
    const result = await run(['-q', tls.url('/secure.bin')], {
      NODE_EXTRA_CA_CERTS: cert.certPath,
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(await listDownloads()).toEqual(['secure.bin'])
    expect(await sha256File(join(dirs.downloads, 'secure.bin'))).toBe(sha256(body))
  })

  it('control: without the certificate trusted the same download fails TLS verification', async () => {
    // Proves verification is on: the trust in the other tests comes from NODE_EXTRA_CA_CERTS.
    tls.file('/secure.bin', makeBody(1024, 22))
    const result = await run(['-q', tls.url('/secure.bin')], {})
    expect(result.code).toBe(6) // aria2: network problem
    expect(result.stderr).toContain(`failed ${tls.url('/secure.bin')}: TLS verification failed`)
    expect(await listDownloads()).toEqual([])
  })

  it('refuses an https → http redirect: exit 1, named on stderr, no file, nothing sent over http', async () => {
    // The http side serves the file: had the redirect been followed, the download would succeed.
    plain.file('/plain.bin', makeBody(300 * 1024, 23))
    tls.redirect('/to-http', plain.url('/plain.bin'), 302)
    const result = await run(['--json', tls.url('/to-http')], {
      NODE_EXTRA_CA_CERTS: cert.certPath,
    })
    expect(result.stderr).toContain(
      `downpour: failed ${tls.url('/to-http')}: refused redirect from https to http (${tls.url('/to-http')} → ${plain.url('/plain.bin')})`,
    )
    expect(result.code).toBe(1)
    expect(lastDownloadState(result.stdout)).toMatchObject({
      state: 'failed',
      error: { code: 'DP_ERR_INSECURE_REDIRECT' },
    })
    // The https request was made and answered (so TLS worked), and the redirect went no further.
    expect(tls.requests()).toContainEqual({ method: 'GET', path: '/to-http' })
    expect(plain.requests()).toEqual([])
    expect(plain.connectionsOpened()).toBe(0)
    // Neither the file nor its .part / .part.downpour was left behind.
    expect(await listDownloads()).toEqual([])
  })
})

describe.skipIf(noOpenssl !== null)(
  'downpour get --ca-certificate / --check-certificate=false',
  () => {
    beforeAll(async () => {
      certDir = await mkdtemp(join(tmpdir(), 'downpour-cert-'))
      cert = await makeSelfSignedCert(certDir)
    })

    afterAll(async () => {
      if (certDir) await rm(certDir, { recursive: true, force: true })
    })

    beforeEach(async () => {
      tls = await startTlsServer(cert)
      dirs = await makeDirs()
    })

    afterEach(async () => {
      await tls.close()
      await dirs.cleanup()
    })

    it('the TLS failure says which flags help, not a Node flag', async () => {
      tls.file('/secure.bin', makeBody(1024, 24))
      const result = await run(['-q', tls.url('/secure.bin')], {})
      expect(result.code).toBe(6)
      expect(result.stderr).toContain('--ca-certificate=FILE')
      expect(result.stderr).toContain('--check-certificate=false')
      expect(result.stderr).not.toMatch(/use-system-ca|Node\.js/)
    })

    it.each([
      ['--ca-certificate', () => [`--ca-certificate=${cert.certPath}`]],
      ['--check-certificate=false', () => ['--check-certificate=false']],
    ])('%s: the download completes', async (_label, flags) => {
      // Large enough for extra connections (worker threads): they get the same TLS options.
      const body = makeBody(3 * 1024 * 1024, 25)
      tls.file('/secure.bin', body)
      const result = await run(['-q', '-k', '1M', ...flags(), tls.url('/secure.bin')], {})
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(await sha256File(join(dirs.downloads, 'secure.bin'))).toBe(sha256(body))
    })

    it('--ca-certificate of a file that is no certificate: bad usage naming it', async () => {
      const result = await run([`--ca-certificate=${cert.keyPath}`, tls.url('/x.bin')], {})
      expect(result.code).toBe(28)
      expect(result.stderr).toContain(`--ca-certificate ${cert.keyPath} holds no PEM certificate`)
    })
  },
)
