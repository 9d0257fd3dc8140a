import { BaseCommand } from '../../cli/runtime/base-command.js'
import { daemonServerFlags, serverFlagsToConfig } from '../../cli/flags/daemon-server.js'
import { CliError, EXIT } from '../../cli/runtime/errors.js'
import { importOutside } from '../../cli/runtime/outside.js'
import type * as DaemonConfigModule from '../../daemon/config.js'
import type { DaemonConfig } from '../../daemon/config.js'
import type * as DaemonServerModule from '../../daemon/server.js'
import { rememberedPort, rememberPort } from '../../shared/daemon-state.js'

export default class DaemonRun extends BaseCommand {
  static override summary = 'Run the Ledger daemon in the foreground.'
  static override description =
    'Serves the Ledger HTTP API on SQLite (or on PostgreSQL with --database-url / LEDGER_DATABASE_URL) until SIGTERM or Ctrl-C, ' +
    'logging one JSON line per request to stdout. ' +
    'This process is the server: signals reach it directly.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 9000   # remembered: later starts use 9000',
    '<%= config.bin %> <%= command.id %> --durability full',
    '<%= config.bin %> <%= command.id %> --database-url postgres://ledger:secret@db.internal:5432/ledger',
  ]
  static override enableJsonFlag = false

  static override flags = daemonServerFlags

  async run(): Promise<void> {
    const { flags } = await this.parse(DaemonRun)
    // The daemon's code loads only here, and from dist/daemon/ (see importOutside).
    const [{ loadConfig }, { runServer }] = await Promise.all([
      importOutside<typeof DaemonConfigModule>('daemon/config.js'),
      importOutside<typeof DaemonServerModule>('daemon/server.js'),
    ])
    let config: DaemonConfig
    try {
      // Without --port: the port this data dir's daemon was last started on.
      const port = flags.port ?? rememberedPort(this.ctx.paths.data) ?? undefined
      config = loadConfig({ ...serverFlagsToConfig(flags), port })
    } catch (err) {
      throw new CliError((err as Error).message, undefined, EXIT.usage)
    }
    try {
      await runServer(config, this.config.version)
      if (flags.port !== undefined) {
        try {
          rememberPort(config.dataDir, flags.port)
        } catch {
          // a full disk: the daemon serves anyway; the next start falls back to the default
        }
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.code === 'EADDRINUSE')
        throw new CliError(
          `port ${config.port} on ${config.host} is already in use`,
          'Pick another with --port.',
        )
      if (e.code === 'ENOSPC' || e.code === 'SQLITE_FULL' || e.code === 'EDQUOT')
        throw new CliError(
          `the disk holding ${config.dataDir} is full (${e.code}): the daemon cannot start`,
          'Free some space there, then start it again.',
        )
      throw new CliError(e.message)
    }
  }
}
