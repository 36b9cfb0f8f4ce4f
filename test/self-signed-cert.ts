/**
 * Real TLS for tests: a self-signed certificate made by `openssl` at test time, and a tiny
 * HTTPS server that uses it. Clients trust the certificate the legitimate way (for a child
 * process: `NODE_EXTRA_CA_CERTS=<certPath>`), never by turning verification off.
 */
import { execFile, spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'

export type SelfSignedCert = { certPath: string; keyPath: string; cert: Buffer; key: Buffer }

/** Why TLS tests cannot run here (no usable `openssl` on PATH), or null when they can. */
export function opensslMissing(): string | null {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' })
  if (probe.error) return `openssl not runnable: ${probe.error.message}`
  if (probe.status !== 0) return `openssl version exited ${probe.status}: ${probe.stderr.trim()}`
  return null
}

/** A one-day certificate for CN=localhost, valid for 127.0.0.1 and localhost, written to `dir`. */
export async function makeSelfSignedCert(dir: string): Promise<SelfSignedCert> {
  const certPath = join(dir, 'cert.pem')
  const keyPath = join(dir, 'key.pem')
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-days',
    '1',
  ])
  return { certPath, keyPath, cert: await readFile(certPath), key: await readFile(keyPath) }
}

export type TlsRequest = { method: string; path: string }

export type TlsServer = {
  /** `https://127.0.0.1:PORT` */
  origin: string
  url(path: string): string
  /** Serve `body` at `path` with 200 and Content-Length; no ranges, so one plain stream. */
  file(path: string, body: Buffer): void
  /** Answer `path` with `status` and `Location: location`. */
  redirect(path: string, location: string, status?: number): void
  /** Requests received, in arrival order. */
  requests(): TlsRequest[]
  /** TCP connections accepted so far (through a proxy's tunnel or not). */
  connectionsOpened(): number
  close(): Promise<void>
}

/** An HTTPS/1.1 server on 127.0.0.1 with `cert`; unknown paths answer 404. */
export async function startTlsServer(cert: SelfSignedCert): Promise<TlsServer> {
  type Route =
    { kind: 'file'; body: Buffer } | { kind: 'redirect'; location: string; status: number }
  const routes = new Map<string, Route>()
  const log: TlsRequest[] = []
  const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    const path = req.url ?? '/'
    log.push({ method: req.method ?? 'GET', path })
    const route = routes.get(path)
    if (!route) {
      res.writeHead(404, { 'Content-Length': 0 }).end()
    } else if (route.kind === 'redirect') {
      res.writeHead(route.status, { Location: route.location, 'Content-Length': 0 }).end()
    } else {
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': route.body.length,
      })
      res.end(req.method === 'HEAD' ? undefined : route.body)
    }
  })
  // A client that gives up on the handshake (e.g. an untrusted certificate) is not a test error.
  server.on('tlsClientError', () => {})
  let connections = 0
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `https://127.0.0.1:${port}`
  return {
    origin,
    url: (path) => origin + path,
    file: (path, body) => void routes.set(path, { kind: 'file', body }),
    redirect: (path, location, status = 302) =>
      void routes.set(path, { kind: 'redirect', location, status }),
    requests: () => [...log],
    connectionsOpened: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
