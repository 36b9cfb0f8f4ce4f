import fc from 'fast-check'
import { open, rename } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { classifyNetworkError, errorForStatus, RETRYABLE_STATUSES } from './classify-error.ts'

const url = 'https://example.com/file.bin'
const withCode = (code: string, message = `failed: ${code}`) =>
  Object.assign(new Error(message), { code })

describe('errorForStatus', () => {
  it.each([400, 401, 403, 404, 410, 416, 451, 499])('%i is final', (status) => {
    const error = errorForStatus(status, {}, url)
    expect(error).toBeInstanceOf(DownpourError)
    expect(error.retryable).toBe(false)
    expect(error.code).toBe(ERROR_CODES.httpStatus)
  })

  it.each([408, 425, 429, 500, 502, 503, 504, 507, 599])('%i is worth retrying', (status) => {
    const error = errorForStatus(status, {}, url)
    expect(error.retryable).toBe(true)
    expect(error.code).toBe(ERROR_CODES.httpRetryable)
  })

  it('names the status and the URL in the message', () => {
    expect(errorForStatus(404, {}, url).message).toBe(`server answered 404 Not Found for ${url}`)
    expect(errorForStatus(418, {}, url).message).toBe(`server answered 418 for ${url}`)
  })

  it('copies Retry-After (seconds or the first of several values)', () => {
    expect(errorForStatus(503, { 'retry-after': '120' }, url).retryAfterMs).toBe(120_000)
    expect(errorForStatus(429, { 'retry-after': ['5', '60'] }, url).retryAfterMs).toBe(5000)
    expect(errorForStatus(503, {}, url).retryAfterMs).toBeNull()
    expect(errorForStatus(503, { 'retry-after': 'later' }, url).retryAfterMs).toBeNull()
  })

  it('copies a Retry-After HTTP date as a delay from now', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString()
    const ms = errorForStatus(503, { 'retry-after': inAMinute }, url).retryAfterMs
    expect(ms).toBeGreaterThan(55_000)
    expect(ms).toBeLessThanOrEqual(60_000)
  })

  it('property: every 4xx except 408/425/429 is final; every 5xx but 501/505 is retryable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), (status) => {
        const { retryable } = errorForStatus(status, {}, url)
        if (status < 500) expect(retryable).toBe([408, 425, 429].includes(status))
        else expect(retryable).toBe(status !== 501 && status !== 505)
      }),
    )
    expect([...RETRYABLE_STATUSES].sort((a, b) => a - b)).toEqual([
      408, 425, 429, 500, 502, 503, 504,
    ])
  })
})

describe('classifyNetworkError', () => {
  it.each([
    ['UND_ERR_BODY_TIMEOUT', ERROR_CODES.stalled, true],
    ['UND_ERR_HEADERS_TIMEOUT', ERROR_CODES.timeout, true],
    ['UND_ERR_CONNECT_TIMEOUT', ERROR_CODES.timeout, true],
    ['ETIMEDOUT', ERROR_CODES.timeout, true],
    ['ECONNRESET', ERROR_CODES.network, true],
    ['ECONNREFUSED', ERROR_CODES.network, true],
    ['ENOTFOUND', ERROR_CODES.nameNotResolved, false],
    ['EAI_AGAIN', ERROR_CODES.network, true],
    ['UND_ERR_SOCKET', ERROR_CODES.network, true],
    ['CERT_HAS_EXPIRED', ERROR_CODES.network, false],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', ERROR_CODES.network, false],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', ERROR_CODES.network, false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', ERROR_CODES.network, false],
    ['UND_ERR_INVALID_ARG', ERROR_CODES.badUrl, false],
    ['ERR_INVALID_URL', ERROR_CODES.badUrl, false],
  ] as const)('%s → %s (retryable: %s)', (code, expected, retryable) => {
    const cause = withCode(code)
    const error = classifyNetworkError(cause)
    expect(error).toBeInstanceOf(DownpourError)
    expect(error.code).toBe(expected)
    expect(error.retryable).toBe(retryable)
    expect(error.cause).toBe(cause)
    expect(error.retryAfterMs).toBeNull()
  })

  it('says what happened in the message', () => {
    expect(classifyNetworkError(withCode('ECONNRESET', 'socket hang up')).message).toBe(
      'the connection was reset (ECONNRESET)',
    )
    expect(
      classifyNetworkError(withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')).message,
    ).toBe('the server refused the connection (ECONNREFUSED)')
    expect(
      classifyNetworkError(withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere.example')).message,
    ).toBe('the server name was not found (ENOTFOUND)')
    expect(classifyNetworkError(withCode('UND_ERR_SOCKET', 'other side closed')).message).toBe(
      'network error (UND_ERR_SOCKET: other side closed)',
    )
    expect(
      classifyNetworkError(withCode('CERT_HAS_EXPIRED', 'certificate has expired')).message,
    ).toContain('TLS verification failed')
    expect(classifyNetworkError(withCode('UND_ERR_BODY_TIMEOUT')).message).toContain(
      'no data received',
    )
  })

  it('reports file-system errors as disk errors naming the folder, never as network errors', async () => {
    const missing = join(tmpdir(), `downpour-no-such-dir-${process.pid}`)
    const renameFailure = await rename(join(missing, 'f.part'), join(missing, 'f')).catch(
      (e: unknown) => e,
    )
    expect(classifyNetworkError(renameFailure)).toMatchObject({
      code: ERROR_CODES.disk,
      retryable: false,
      message: expect.stringMatching(/^rename failed: ENOENT/),
    })
    const openFailure = await open(join(missing, 'f.part'), 'r').catch((e: unknown) => e)
    expect(classifyNetworkError(openFailure).code).toBe(ERROR_CODES.disk)
    // errno codes only a file system produces, whatever call they came from.
    for (const [code, expected] of [
      ['ENOSPC', ERROR_CODES.diskFull],
      ['EDQUOT', ERROR_CODES.diskFull],
      ['EROFS', ERROR_CODES.diskReadOnly],
      ['EIO', ERROR_CODES.disk],
    ] as const) {
      expect(classifyNetworkError(withCode(code)).code).toBe(expected)
    }
    expect(
      classifyNetworkError(
        Object.assign(withCode('EACCES'), { syscall: 'open', path: '/srv/dl/f.part' }),
      ),
    ).toMatchObject({
      code: ERROR_CODES.diskPermission,
      message: 'cannot write to /srv/dl: permission denied',
    })
    expect(
      classifyNetworkError(Object.assign(withCode('ENOSPC'), { syscall: 'write' })).message,
    ).toBe('Disk full — free some space on the download folder and resume')
    // A socket's errors stay network errors (a refused connection, a reset read).
    const refused = await new Promise<unknown>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: 1 })
      socket.on('error', resolve)
    })
    expect(classifyNetworkError(refused)).toMatchObject({
      code: ERROR_CODES.network,
      retryable: true,
    })
    expect(
      classifyNetworkError(Object.assign(withCode('ECONNRESET'), { syscall: 'read' })).code,
    ).toBe(ERROR_CODES.network)
  })

  it('passes DownpourErrors through unchanged', () => {
    const original = new DownpourError(ERROR_CODES.diskFull, 'disk full')
    expect(classifyNetworkError(original)).toBe(original)
  })

  it('treats errors without a code, and non-errors, as retryable network errors', () => {
    const plain = classifyNetworkError(new Error('other side closed'))
    expect(plain).toMatchObject({
      code: ERROR_CODES.network,
      retryable: true,
      message: 'network error (other side closed)',
    })
    expect(classifyNetworkError('boom')).toMatchObject({
      code: ERROR_CODES.network,
      retryable: true,
    })
    expect(classifyNetworkError(null)).toMatchObject({ code: ERROR_CODES.network, retryable: true })
    expect(classifyNetworkError(undefined).message).toContain('undefined')
  })
})
