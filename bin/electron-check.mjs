// `npm start`'s first step (package.json "prestart"). electron-vite dev needs Electron's binary;
// installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 (no access to GitHub releases) there is none,
// and `npm start` ended in electron-vite's stack trace ("Error: Electron uninstall") after
// building everything. Said before anything is built, with what to do instead. Not by
// require('electron'): that starts the download it lacks.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'

function electronBinary() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return process.env.ELECTRON_OVERRIDE_DIST_PATH
  let dir
  try {
    dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return null
  }
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : null
}

if (electronBinary() === null) {
  process.stderr.write(
    [
      "npm start needs Electron's binary, and this install has none (ELECTRON_SKIP_BINARY_DOWNLOAD=1,",
      'or its download failed). The same window runs in a browser instead:',
      '    npm run serve        (builds the UI, then prints the address to open)',
      "Or install Electron's binary: npm rebuild electron (needs access to GitHub releases).",
      '',
    ].join('\n'),
  )
  process.exit(1)
}
