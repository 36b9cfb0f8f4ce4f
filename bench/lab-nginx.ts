/**
 * The labs' nginx (bench/w3-lab.ts, bench/w4-lab.ts): the bench's own configuration
 * (server-nginx.ts) with an access log in `logFormat`, serving one file of `mib` MiB of random
 * bytes made once under `dir`/data. The labs read the log to compare builds by what the server
 * saw, which works for builds that print no timeline of their own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { nginxConfig } from './server-nginx.ts'
import { findExecutable, sleep } from './util.ts'

export type LabNginx = {
  /** The file's address under one of the bench's locations (plain, capped, mixed…). */
  url(location: string): string
  /** nginx's access log: the labs empty it before each run and read it after. */
  accessLog: string
  server: ChildProcess
}

export async function startLabNginx(options: {
  dir: string
  fileName: string
  mib: number
  logFormat: string
}): Promise<LabNginx> {
  const nginx = findExecutable('nginx')
  if (nginx === null) throw new Error('nginx not found (apt-get install -y nginx-light)')
  const base = resolve(options.dir)
  const root = join(base, 'data')
  const srv = join(base, 'nginx')
  mkdirSync(root, { recursive: true })
  const file = join(root, options.fileName)
  if (!existsSync(file))
    spawnSync('dd', ['if=/dev/urandom', `of=${file}`, 'bs=1M', `count=${options.mib}`])
  writeFileSync(join(root, 'health.txt'), 'ok\n')
  rmSync(srv, { recursive: true, force: true })
  mkdirSync(srv, { recursive: true })
  const port = 20000 + Math.floor(Math.random() * 20000)
  const asRoot = process.getuid?.() === 0
  const accessLog = join(srv, 'access.log')
  const conf = nginxConfig({ dir: srv, root, port, asRoot }).replace(
    'access_log off;',
    `log_format lab '${options.logFormat}';\n  access_log ${accessLog} lab;`,
  )
  writeFileSync(join(srv, 'nginx.conf'), conf)
  const server = spawn(nginx, [
    '-p',
    srv,
    '-e',
    join(srv, 'error.log'),
    '-c',
    join(srv, 'nginx.conf'),
  ])
  await sleep(500)
  // The file in the page cache before the first run, for every build alike.
  spawnSync('cat', [file], { stdio: 'ignore' })
  return {
    url: (location) => `http://127.0.0.1:${port}/${location}/${options.fileName}`,
    accessLog,
    server,
  }
}
