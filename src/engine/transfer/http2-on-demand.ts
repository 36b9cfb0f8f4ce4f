/**
 * What undici's HTTP/2 client takes from `node:http2`, without loading it: the bundle
 * (electron.vite.config.ts) resolves undici's `require('node:http2')` here. Its client module
 * requires HTTP/2 when it loads, for a few header-name constants, although the engine never
 * speaks HTTP/2 (`allowH2: false`, http-dispatcher.ts); `node:http2` brings ~5 more of Node's
 * built-in modules, compiled from source under the engine host's V8 flags (undici-parts.ts):
 * ~9 ms of CPU at every start of the CLI and of each transfer worker (docs/benchmarks.md,
 * "W4's CPU, where it goes now"). `connect` loads the real module if HTTP/2 is ever used.
 * http2-on-demand.test.ts checks these against `node:http2` and against what undici reads.
 */
import type * as Http2 from 'node:http2'

export const constants = {
  HTTP2_HEADER_AUTHORITY: ':authority',
  HTTP2_HEADER_METHOD: ':method',
  HTTP2_HEADER_PATH: ':path',
  HTTP2_HEADER_SCHEME: ':scheme',
  HTTP2_HEADER_CONTENT_LENGTH: 'content-length',
  HTTP2_HEADER_EXPECT: 'expect',
  HTTP2_HEADER_STATUS: ':status',
  HTTP2_HEADER_PROTOCOL: ':protocol',
  NGHTTP2_NO_ERROR: 0,
  NGHTTP2_PROTOCOL_ERROR: 1,
  NGHTTP2_REFUSED_STREAM: 7,
} as const

export const connect = ((...args: unknown[]) =>
  (process.getBuiltinModule('node:http2').connect as (...a: unknown[]) => Http2.ClientHttp2Session)(
    ...args,
  )) as typeof Http2.connect
