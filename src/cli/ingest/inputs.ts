import { createReadStream, statSync } from 'node:fs'
import { CliError, EXIT } from '../runtime/errors.js'
import type { Readable } from 'node:stream'
import type { InputSource } from './pipeline.js'
import { safeKey } from './safe-json.js'

/**
 * The inputs of `ledger ingest FILE…`: `stdin` when there are none, `-` for stdin among them.
 * Every file is checked before anything is read or sent (a usage error, exit 2).
 */
export function inputSources(files: readonly string[], stdin: () => Readable): InputSource[] {
  const STDIN: InputSource = { name: 'stdin', open: stdin }
  if (files.length === 0) return [STDIN]
  return files.map((file) => {
    if (file === '-') return STDIN
    let isDir = false
    try {
      isDir = statSync(file).isDirectory()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, undefined, EXIT.usage)
    }
    if (isDir) throw new CliError(`cannot read ${file}: it is a directory`, undefined, EXIT.usage)
    return { name: file, open: () => createReadStream(file, { highWaterMark: 256 * 1024 }) }
  })
}

/** `--attr key=value` flags as attributes (a later flag wins for the same key). */
export function parseAttributes(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const v of values ?? []) {
    const eq = v.indexOf('=')
    if (eq <= 0) throw new CliError(`--attr expects key=value, got '${v}'`, undefined, EXIT.usage)
    out[safeKey(v.slice(0, eq))] = v.slice(eq + 1)
  }
  return out
}
