/**
 * A batch's per-log errors, as the API writes them: `"Log <index>: <what is wrong>"`,
 * with the 0-based index of the log in the request. One module writes and reads them, for the
 * daemon and the CLI.
 */

/** `Log 3: level must be one of …`. */
export function formatBatchError(index: number, detail: string): string {
  return `Log ${index}: ${detail}`
}

/** The index and detail of a batch error, or null for a text not in that form. */
export function parseBatchError(text: string): { index: number; detail: string } | null {
  const m = /^Log (\d+): ([\s\S]*)$/.exec(text)
  return m ? { index: Number(m[1]), detail: m[2]! } : null
}

/** Errors in the order of the logs they are about (those not in the form last). */
export function sortBatchErrors(errors: string[]): string[] {
  const at = (e: string) => parseBatchError(e)?.index ?? Number.MAX_SAFE_INTEGER
  return errors.sort((a, b) => at(a) - at(b))
}
