/**
 * What an aria2c (or wget) user types that Downpour's parser would refuse, rewritten into
 * Downpour's spelling before commander sees it, or refused with a sentence saying what to type.
 * Only spellings whose meaning Downpour has (aria2's `-s/--split` is an option of its own:
 * main.ts). `--dir`, `--out` and `--continue` are Downpour's own long names already.
 */
const LONG_ALIASES: Record<string, string> = {
  // aria2: connections to one server per download; Downpour's -x is per download, and a
  // download has one server, so the two mean the same.
  '--max-connection-per-server': '--max-connections-per-download',
}

/**
 * aria2's booleans written `--name=true` / `--name=false`: the flag Downpour has for each
 * value (null: the default, nothing to pass).
 */
const BOOLEANS: Record<string, { true: string | null; false: string | null }> = {
  '--quiet': { true: '--quiet', false: null },
  '--continue': { true: '--continue', false: null },
  '--allow-overwrite': { true: '--allow-overwrite', false: null },
  '--auto-file-renaming': { true: null, false: '--no-auto-file-renaming' },
  '--check-certificate': { true: null, false: '--no-check-certificate' },
  '--netrc': { true: null, false: '--no-netrc' },
}

/** A command word never looks like this: a URL given where the command goes. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i

export function aria2Habits(argv: string[]): { argv: string[] } | { problem: string } {
  // argv[0] is node, argv[1] the script; the command is the first argument after them.
  const first = argv[2]
  if (first !== undefined && URL_LIKE.test(first)) {
    return {
      problem: `"${first}" is not a command; to download it: downpour get ${first}`,
    }
  }
  const out = argv.slice(0, 2)
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!
    // After `--` everything is a URL, whatever it looks like.
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg : arg.slice(0, eq)
    const boolean = BOOLEANS[name]
    if (boolean && eq !== -1) {
      // aria2's booleans take =true / =false.
      const value = arg.slice(eq + 1)
      if (value !== 'true' && value !== 'false')
        return { problem: `${name} takes true or false (aria2's spelling), not "${value}"` }
      // The last word wins, as for any flag: `--quiet=false` after `--quiet=true` (from
      // aria2.conf, say) takes the earlier one back.
      const other = boolean[value === 'true' ? 'false' : 'true']
      if (other) for (let j = out.length - 1; j >= 2; j--) if (out[j] === other) out.splice(j, 1)
      const flag = boolean[value]
      if (flag) out.push(flag)
      continue
    }
    if (name === '--auto-file-renaming' || name === '--check-certificate') continue
    const alias = LONG_ALIASES[name]
    out.push(alias ? `${alias}${eq === -1 ? '' : arg.slice(eq)}` : arg)
  }
  return { argv: out }
}
