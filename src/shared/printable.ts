/**
 * Characters a terminal acts on instead of showing: C0 controls but tab and newline (ESC starts
 * colour, cursor, title and clipboard sequences; CR rewrites the line), DEL, C1 controls, the
 * Unicode line and paragraph separators, and the bidirectional overrides that reorder text.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const CONTROLS = new RegExp(CONTROL.source, 'g')

/**
 * Text from a log, safe to print on a terminal: each control character is shown as an escape
 * (`\x1b`, `\u202e`) rather than acted on, so a log can neither rewrite the screen nor reorder
 * what follows it. Tabs and newlines are kept (callers decide what a newline becomes).
 */
export function printable(text: string): string {
  if (!CONTROL.test(text)) return text
  return text.replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
