import { Flags } from '@oclif/core'
import { timeZoneOf, utcFlag } from '../cli/flags/output.js'
import { ApiCommand } from '../cli/runtime/base-command.js'
import { importOutside } from '../cli/runtime/outside.js'
import type { Overview } from '../contract/stats.js'
import { classifyFetchError } from '../tui/fetch-errors.js'
import type * as TuiModule from '../tui/run.js'
import { renderSnapshot } from '../tui/snapshot.js'

export default class Top extends ApiCommand {
  static override summary = 'Watch the whole pipeline live: ingest rates, queues, errors and keys.'
  static override description =
    'A full-screen view of your projects, redrawn every second: logs/s with a sparkline, each queue against its ' +
    'capacity, errors in the last 5 minutes, quota used today, each API key against its rate limit, and the latest ' +
    'errors. Press ? for the keys. When stdout or stdin is not a terminal (a pipe, CI), it prints one plain snapshot ' +
    'of the same figures instead (or, with --json, the overview object) and exits.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --project my-app',
    '<%= config.bin %> <%= command.id %> | cat',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --utc',
  ]
  static override flags = {
    project: Flags.string({ char: 'p', description: "Start on this project's screen (slug); in a snapshot, add its latest logs." }),
    interval: Flags.integer({ description: 'Seconds between refreshes.', default: 1, min: 1, max: 60 }),
    ...utcFlag,
  }

  private screenUp = false

  async run(): Promise<Overview | undefined> {
    const { flags } = await this.parse(Top)
    const client = await this.session.accountClient()
    const fetchOverview = client.statsOverview.bind(client)
    const { io } = this.ctx
    const url = this.session.target.url
    const timeZone = timeZoneOf(flags, this.ctx.env)
    if (this.jsonEnabled() || !io.stdoutIsTTY || !io.stdinIsTTY) {
      // Not a terminal: never raw mode, one snapshot, exit 0.
      const overview = await fetchOverview({ ...(flags.project ? { project: flags.project } : {}) })
      if (!this.jsonEnabled()) io.stdout.write(renderSnapshot(overview, url, io.columns() || 100, timeZone))
      return overview
    }
    // Ink draws nothing but the last frame when CI or CONTINUOUS_INTEGRATION is set (it reads
    // them once, on import). Both ends are a terminal here, so a person is watching: a CI
    // variable inherited from a job or a shell must not leave the screen blank.
    this.ctx.unsetEnv(['CI', 'CONTINUOUS_INTEGRATION'])
    // Ink and React load only for the interactive screen, from dist/tui/ (see importOutside).
    const { runTop } = await importOutside<typeof TuiModule>('tui/run.js')
    this.screenUp = true
    // The classifier of this copy of the client: the screen's own copy is another one.
    await runTop({ fetchOverview, classifyError: classifyFetchError, url, intervalMs: flags.interval * 1000, project: flags.project, timeZone })
    return undefined
  }

  /** A SIGINT while the screen is up is the screen's to handle: it restores the terminal first. */
  protected override interrupted(): void {
    if (!this.screenUp) super.interrupted()
  }
}
