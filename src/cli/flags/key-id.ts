import { CliError, EXIT } from '../runtime/errors.js'

/** A key id argument: a positive integer, checked before any request. */
export function keyIdArg(value: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(value)) {
    throw new CliError(`key id '${value}' must be a positive integer`, 'See `ledger keys list`.', EXIT.usage)
  }
  return Number(value)
}
