import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, request } from 'node:http'
import type { Server } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentTypeFor, createStaticHandler, parseRequestPath } from './static-files.ts'

const secret = 'TOP-SECRET-OUTSIDE-ROOT'

type Reply = {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

let base: string
let server: Server
let port: number

beforeAll(async () => {
  // Layout: <base>/secret.txt and <base>/outside/ sit next to the served <base>/site/.
  base = await mkdtemp(join(tmpdir(), 'downpour-static-'))
  const site = join(base, 'site')
  await mkdir(join(site, 'assets'), { recursive: true })
  await mkdir(join(base, 'outside'))
  await writeFile(join(base, 'secret.txt'), secret)
  await writeFile(join(base, 'outside', 'inner.txt'), secret)
  await writeFile(join(site, 'index.html'), '<!doctype html><title>Downpour</title>')
  await writeFile(join(site, 'assets', 'app-1a2b.js'), 'console.log("hi")')
  await writeFile(join(site, 'assets', 'app-1a2b.css'), 'body{}')
  await writeFile(join(site, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  await writeFile(join(site, 'assets', 'font.WOFF2'), 'wOF2')
  await writeFile(join(site, 'data.bin'), Buffer.from([0, 1, 2, 3]))
  await writeFile(join(site, 'with space.txt'), 'spaced')
  await writeFile(join(site, 'assets', 'index-D7t8kTbz.js'), 'export {}')
  await writeFile(join(site, 'kept.txt'), 'as built')
  await writeFile(join(site, '.env'), secret)
  await symlink(join(base, 'secret.txt'), join(site, 'escape.txt'))
  await symlink(join(base, 'outside'), join(site, 'escape-dir'))
  await symlink(join(site, 'assets', 'app-1a2b.js'), join(site, 'alias.js'))

  server = createServer(createStaticHandler(site))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  )
  await rm(base, { recursive: true, force: true })
})

/** node:http sends the path as written, unlike fetch, which would normalize `..` away. */
function get(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

/** For request targets node:http refuses to send (backslashes, absolute-form). */
function rawGet(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
    })
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()))
    socket.on('error', reject)
  })
}

describe('createStaticHandler', () => {
  it('serves index.html for / and for a query on /', async () => {
    for (const path of ['/', '/index.html', '/?tab=queue']) {
      const reply = await get(path)
      expect(reply.status, path).toBe(200)
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(reply.body).toContain('<title>Downpour</title>')
    }
  })

  it('sends each file with its content type and security headers', async () => {
    const cases = {
      '/assets/app-1a2b.js': 'text/javascript; charset=utf-8',
      '/assets/app-1a2b.css': 'text/css; charset=utf-8',
      '/assets/logo.svg': 'image/svg+xml',
      '/assets/font.WOFF2': 'font/woff2',
      '/data.bin': 'application/octet-stream',
      '/with%20space.txt': 'text/plain; charset=utf-8',
    }
    for (const [path, type] of Object.entries(cases)) {
      const reply = await get(path)
      expect(reply.status, path).toBe(200)
      expect(reply.headers['content-type'], path).toBe(type)
      expect(reply.headers['x-content-type-options'], path).toBe('nosniff')
      expect(reply.headers['content-security-policy'], path).toContain("default-src 'self'")
      expect(reply.headers['content-length'], path).toBe(String(Buffer.byteLength(reply.body)))
    }
  })

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await get('/assets/app-1a2b.js', 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    expect(head.headers['content-length']).toBe(String('console.log("hi")'.length))
    expect(head.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect((await get('/missing.js', 'HEAD')).status).toBe(404)
  })

  it('refuses other methods with 405 and an Allow header', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const reply = await get('/', method)
      expect(reply.status, method).toBe(405)
      expect(reply.headers['allow']).toBe('GET, HEAD')
      expect(reply.headers['x-content-type-options']).toBe('nosniff')
    }
  })

  it('answers 404 for missing files, directories and hidden files', async () => {
    for (const path of ['/missing.js', '/assets', '/assets/', '/.env', '/assets/.hidden']) {
      const reply = await get(path)
      expect(reply.status, path).toBe(404)
      expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8')
    }
  })

  it('never serves anything outside the root, however the path is spelled', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/.%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%252e%252e/secret.txt',
      '/%2fetc%2fpasswd',
      '//etc/passwd',
      '/index.html%00.txt',
      '/%00',
      '/%E0%A4%A',
      '/C:%5cWindows%5cwin.ini',
      '/escape.txt',
      '/escape-dir/inner.txt',
    ]
    for (const path of attempts) {
      const reply = await get(path)
      expect([400, 404], path).toContain(reply.status)
      expect(reply.body, path).not.toContain(secret)
    }
  })

  it('rejects request targets that are not origin-form paths', async () => {
    for (const target of ['/..\\secret.txt', 'http://127.0.0.1/../secret.txt', 'secret.txt']) {
      const raw = await rawGet(target)
      expect(raw, target).toMatch(/^HTTP\/1\.1 40[04] /)
      expect(raw, target).not.toContain(secret)
    }
  })

  it('follows symlinks that stay inside the root', async () => {
    const reply = await get('/alias.js')
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(reply.body).toBe('console.log("hi")')
  })

  it('lets the browser keep hashed assets for good and revalidate the rest by ETag', async () => {
    const asset = await get('/assets/index-D7t8kTbz.js')
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const page = await get('/')
    expect(page.headers['cache-control']).toBe('no-cache')
    expect(page.headers['etag']).toMatch(/^"[A-Za-z0-9_-]+"$/)
    // A name without Vite's 8-character hash is not assumed to be immutable.
    expect((await get('/assets/app-1a2b.js')).headers['cache-control']).toBe('no-cache')

    const again = await get('/', 'GET', { 'If-None-Match': page.headers['etag'] as string })
    expect(again.status).toBe(304)
    expect(again.body).toBe('')
    expect(again.headers['x-content-type-options']).toBe('nosniff')
    const changed = await get('/', 'GET', { 'If-None-Match': '"something-else"' })
    expect(changed.status).toBe(200)
    expect(changed.body).toContain('<title>Downpour</title>')
  })

  it('serves the files as they were at start, and files added later from disk', async () => {
    const site = join(base, 'site')
    await writeFile(join(site, 'kept.txt'), 'rewritten')
    expect((await get('/kept.txt')).body).toBe('as built')
    await writeFile(join(site, 'added.txt'), 'added later')
    const added = await get('/added.txt')
    expect(added.status).toBe(200)
    expect(added.body).toBe('added later')
    expect(added.headers['cache-control']).toBe('no-cache')
  })

  it('fails fast when the root does not exist', () => {
    expect(() => createStaticHandler(join(tmpdir(), 'downpour-no-such-dir-7f3a'))).toThrow(
      /build the UI first/,
    )
  })
})

describe('parseRequestPath', () => {
  it('maps directories to index.html and decodes names', () => {
    expect(parseRequestPath('/')).toEqual(['index.html'])
    expect(parseRequestPath('/a/b/')).toEqual(['a', 'b', 'index.html'])
    expect(parseRequestPath('/a//b')).toEqual(['a', 'b'])
    expect(parseRequestPath('/a%20b.txt?x=1#y')).toEqual(['a b.txt'])
  })

  it('classifies unsafe paths', () => {
    expect(parseRequestPath(undefined)).toBe('bad-request')
    expect(parseRequestPath('*')).toBe('bad-request')
    expect(parseRequestPath('/a/./b')).toBe('bad-request')
    expect(parseRequestPath('/%2e%2e')).toBe('bad-request')
    expect(parseRequestPath('/.git/config')).toBe('not-found')
  })
})

describe('contentTypeFor', () => {
  it('does not guess unknown types', () => {
    expect(contentTypeFor('index.HTML')).toBe('text/html; charset=utf-8')
    expect(contentTypeFor('archive.tar.gz')).toBe('application/octet-stream')
    expect(contentTypeFor('README')).toBe('application/octet-stream')
  })
})
