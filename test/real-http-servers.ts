/**
 * Debian's nginx, lighttpd and Apache serving a folder on loopback, each with an access log that
 * records every request's Range header and status, for tests that compare the real CLI's
 * requests with what a real server answered. `missingServer` says why one cannot run here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'

export type RealServerName = 'nginx' | 'lighttpd' | 'apache'

export type LoggedRequest = { method: string; path: string; range: string | null; status: number }

export type RealServer = {
  origin: string
  url(path: string): string
  /** Requests logged so far, oldest first. */
  requests(path?: string): Promise<LoggedRequest[]>
  stop(): Promise<void>
}

const BINARIES: Record<RealServerName, { command: string; probe: string[] }> = {
  nginx: { command: '/usr/sbin/nginx', probe: ['-v'] },
  lighttpd: { command: '/usr/sbin/lighttpd', probe: ['-v'] },
  apache: { command: '/usr/sbin/apache2', probe: ['-v'] },
}

/** The Debian package that installs each. */
const PACKAGES: Record<RealServerName, string> = {
  nginx: 'nginx-light',
  lighttpd: 'lighttpd',
  apache: 'apache2',
}

/** Why `name` cannot be started here (not installed), or null. */
export function missingServer(name: RealServerName): string | null {
  const { command, probe } = BINARIES[name]
  const run = spawnSync(command, probe, { stdio: 'ignore' })
  if (run.error) return `${name} is not installed (apt-get install ${PACKAGES[name]})`
  return run.status === 0 ? null : `${command} ${probe.join(' ')} exited ${run.status}`
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Starts `name` serving `www` (its files as they are) in `workDir`; resolves once it answers.
 * `nginxLocations`: lines added to nginx's server block (e.g. a `limit_rate` location).
 */
export async function startRealServer(
  name: RealServerName,
  www: string,
  workDir: string,
  nginxLocations: string[] = [],
): Promise<RealServer> {
  await mkdir(workDir, { recursive: true })
  const port = await freePort()
  const log = join(workDir, 'access.log')
  await writeFile(log, '')
  const config = join(workDir, `${name}.conf`)
  let args: string[]
  if (name === 'nginx') {
    await writeFile(
      config,
      [
        'daemon off;',
        // As root, nginx's workers would run as nobody, who cannot read a test's 0700 folder.
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        'worker_processes 1;',
        `pid ${join(workDir, 'nginx.pid')};`,
        `error_log ${join(workDir, 'error.log')};`,
        'events { worker_connections 64; }',
        'http {',
        `  log_format ranged '$request_method $uri "$http_range" $status';`,
        `  access_log ${log} ranged;`,
        `  client_body_temp_path ${workDir};`,
        `  proxy_temp_path ${workDir};`,
        `  fastcgi_temp_path ${workDir};`,
        `  uwsgi_temp_path ${workDir};`,
        `  scgi_temp_path ${workDir};`,
        `  server { listen 127.0.0.1:${port}; root ${www}; ${nginxLocations.join(' ')} }`,
        '}',
      ].join('\n'),
    )
    args = ['-p', workDir, '-c', config]
  } else if (name === 'apache') {
    const modules = '/usr/lib/apache2/modules'
    await writeFile(
      config,
      [
        `LoadModule mpm_event_module ${modules}/mod_mpm_event.so`,
        `LoadModule authz_core_module ${modules}/mod_authz_core.so`,
        `Listen 127.0.0.1:${port}`,
        'ServerName 127.0.0.1',
        `PidFile ${join(workDir, 'apache.pid')}`,
        `DefaultRuntimeDir ${workDir}`,
        `Mutex file:${workDir}`,
        `ErrorLog ${join(workDir, 'error.log')}`,
        `DocumentRoot ${www}`,
        `<Directory ${www}>`,
        '  Require all granted',
        '</Directory>',
        'LogFormat "%m %U \\"%{Range}i\\" %>s" ranged',
        `CustomLog ${log} ranged`,
      ].join('\n'),
    )
    // One process in the foreground (-X): as root it serves as root (no worker switches to a
    // user who cannot read a test's 0700 folder), and SIGTERM ends it.
    args = ['-X', '-f', config]
  } else {
    await writeFile(
      config,
      [
        'server.modules = ("mod_accesslog")',
        `server.document-root = "${www}"`,
        `server.port = ${port}`,
        'server.bind = "127.0.0.1"',
        `server.errorlog = "${join(workDir, 'error.log')}"`,
        `accesslog.filename = "${log}"`,
        'accesslog.format = "%m %U \\"%{Range}i\\" %s"',
        'server.stat-cache-engine = "disable"',
      ].join('\n'),
    )
    args = ['-D', '-f', config]
  }
  const child = spawn(BINARIES[name].command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const origin = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`)
    const up = await fetch(origin + '/').then(
      (r) => r.body?.cancel().then(() => true) ?? true,
      () => false,
    )
    if (up) break
    if (i > 200) {
      await stop(child)
      throw new Error(`${name} did not start: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    origin,
    url: (path) => origin + path,
    requests: async (path) => {
      const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean)
      return lines
        .map((line) => {
          const match = /^(\S+) (\S+) "([^"]*)" (\d{3})$/.exec(line)
          if (!match) throw new Error(`unexpected access log line: ${line}`)
          const range = match[3]!
          return {
            method: match[1]!,
            path: match[2]!,
            range: range === '' || range === '-' ? null : range,
            status: Number(match[4]),
          }
        })
        .filter((r) => path === undefined || r.path === path)
    },
    stop: () => stop(child),
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}
