/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts escape sequences that
 * retitle the window or clear the screen, BEL rings), DEL, C1 controls (U+009B is a one-character
 * CSI for some terminals), and the Unicode format characters that reorder or hide what follows
 * (bidi overrides and isolates, marks, line and paragraph separators).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g

/**
 * Text from outside (URLs, file names, server messages, input lines) made safe to print on a
 * terminal: each active character is shown as a visible escape (`\x1b`, `\u202e`), so a list or a
 * server can neither drive the terminal nor disguise what is printed.
 */
export function escapeTerminalText(text: string): string {
  return text.replace(ACTIVE, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/**
 * JSON text for a line of `--json` output: JSON.stringify already escapes C0 controls; this also
 * escapes the rest of the active characters (valid JSON either way), so a terminal showing the
 * stream is as safe as one showing the progress display.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
