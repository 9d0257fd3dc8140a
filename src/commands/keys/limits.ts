import { Args, Flags } from '@oclif/core'
import { keyLimits } from '../../cli/actions/keys.js'
import { keyIdArg } from '../../cli/flags/key-id.js'
import { parseFlag } from '../../cli/flags/validate.js'
import { renderFields } from '../../cli/output/table.js'
import { ApiCommand } from '../../cli/runtime/base-command.js'
import { CliError, EXIT } from '../../cli/runtime/errors.js'
import { type Limits, LimitsRequestSchema } from '../../contract/api-keys.js'

export default class KeysLimits extends ApiCommand {
  static override summary = "Show or set an API key's rate limit."
  static override description =
    'Without --set, shows the limit (default: 1000 requests/minute and 50000/hour). With --set, custom limits replace both ' +
    'default windows: token_bucket (a bucket of --burst refilled at --tokens-per-second) or fixed_window (--burst requests ' +
    'per window of burst/tokens-per-second seconds).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12',
    '<%= config.bin %> <%= command.id %> 12 --set --tokens-per-second 5 --burst 20',
    '<%= config.bin %> <%= command.id %> 12 --set --algorithm fixed_window --tokens-per-second 10 --burst 600',
  ]
  static override args = { id: Args.string({ description: 'Id of the key.', required: true, ignoreStdin: true }) }
  static override flags = {
    set: Flags.boolean({ description: 'Set the limit instead of showing it.' }),
    algorithm: Flags.option({ description: 'Limiting algorithm.', options: ['token_bucket', 'fixed_window'] as const })(),
    'tokens-per-second': Flags.string({ description: 'Refill rate (a positive number).' }),
    burst: Flags.integer({ description: 'Bucket capacity / requests per window.' }),
  }

  async run(): Promise<Limits> {
    const { args, flags } = await this.parse(KeysLimits)
    const id = keyIdArg(args.id)
    const setting = flags['tokens-per-second'] !== undefined || flags.burst !== undefined || flags.algorithm
    if (setting && !flags.set) throw new CliError('pass --set to change the limit', undefined, EXIT.usage)
    let body
    if (flags.set) {
      if (flags['tokens-per-second'] === undefined || flags.burst === undefined) {
        throw new CliError('--set needs --tokens-per-second and --burst', undefined, EXIT.usage)
      }
      const tps = Number(flags['tokens-per-second'])
      body = parseFlag('limits', LimitsRequestSchema, {
        algorithm: flags.algorithm ?? 'token_bucket',
        tokens_per_second: Number.isFinite(tps) ? tps : flags['tokens-per-second'],
        burst_capacity: flags.burst,
      }, { burst_capacity: '--burst' })
    }
    const limits = await keyLimits(this.session, id, body)
    this.log(
      renderFields([
        ['algorithm', limits.algorithm],
        ['tokens/second', limits.tokens_per_second],
        ['burst', limits.burst_capacity],
        ...(limits.hourly_limit ? [['hourly limit', limits.hourly_limit] as const] : []),
        ['default', limits.is_default ? 'yes (1000/minute, 50000/hour)' : 'no'],
      ]),
    )
    return limits
  }
}
