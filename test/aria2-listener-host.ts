// The desktop app's aria2 listener (src/utility/aria2-listener.ts) in a process of its own, as
// the Electron utility process hosts it, for tests that must see whether traffic kills the
// process: `node test/aria2-listener-host.ts STATE_DIR DOWNLOAD_DIR` prints one line
// `listening <url> <secret>` and serves until SIGTERM. A line `queue` on stdin is answered with
// `queue <JSON ids>`: the engine as the window sees it, not through the aria2 RPC (whose secret
// an attacker's guesses may have locked out for a while). No handlers for unhandled rejections or
// exceptions are added here: whatever the listener's code leaves unhandled ends the process,
// as it would end the utility process.
import { createInterface } from 'node:readline'
import { createEngine } from '../src/engine/engine.ts'
import { startAria2Listener } from '../src/utility/aria2-listener.ts'

const [stateDir, downloadDir] = process.argv.slice(2)
if (!stateDir || !downloadDir) {
  process.stderr.write('usage: aria2-listener-host.ts STATE_DIR DOWNLOAD_DIR\n')
  process.exit(2)
}
const engine = await createEngine({ stateDir, settings: { defaultDir: downloadDir } })
const listener = startAria2Listener(engine, {
  port: 0,
  log: (line) => process.stderr.write(`${line}\n`),
})
// The first pass generates the secret; the settings change it causes opens the port.
for (let pass = 0; listener.url() === null; pass++) {
  if (pass === 20) throw new Error('the aria2 listener did not start')
  await listener.settled()
}
const url = listener.url()
const { aria2RpcSecret } = (await engine.snapshot()).settings
process.stdout.write(`listening ${url} ${aria2RpcSecret}\n`)
process.once('SIGTERM', () => {
  void listener
    .close()
    .then(() => engine.close())
    .then(() => process.exit(0))
})
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'queue') return
  void engine.snapshot().then((snapshot) => {
    process.stdout.write(`queue ${JSON.stringify(snapshot.downloads.map((d) => d.id))}\n`)
  })
})
