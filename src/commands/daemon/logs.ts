import { createReadStream, existsSync, statSync, watch } from 'node:fs'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { CliError } from '../../cli/errors.js'
import { dataFiles, resolvePaths } from '../../shared/paths.js'

export default class DaemonLogs extends BaseCommand {
  static override summary = "Print the background daemon's log."
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -n 100 --follow',
  ]
  static override enableJsonFlag = false

  static override flags = {
    lines: Flags.integer({
      char: 'n',
      description: 'How many of the last lines to print.',
      default: 50,
      min: 0,
    }),
    follow: Flags.boolean({ char: 'f', description: 'Keep printing new lines until Ctrl-C.' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(DaemonLogs)
    const file = dataFiles(resolvePaths().data).log
    if (!existsSync(file))
      throw new CliError(`no daemon log yet at ${file}`, 'It is written by `ledger daemon start`.')
    const text = await readAll(file, 0)
    const lines = text.split('\n')
    if (lines.at(-1) === '') lines.pop()
    for (const line of lines.slice(Math.max(0, lines.length - flags.lines))) process.stdout.write(`${line}\n`)
    if (!flags.follow) return
    let offset = statSync(file).size
    await new Promise<void>((resolve) => {
      const watcher = watch(file, async () => {
        const size = statSync(file).size
        if (size < offset) offset = 0
        if (size > offset) {
          process.stdout.write(await readAll(file, offset))
          offset = size
        }
      })
      process.once('SIGINT', () => {
        watcher.close()
        resolve()
      })
    })
  }
}

function readAll(file: string, start: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    createReadStream(file, { start, encoding: 'utf8' })
      .on('data', (c) => {
        out += c
      })
      .on('end', () => resolve(out))
      .on('error', reject)
  })
}
