import { fishCompletion } from '../../cli/output/fish-completion.js'
import { BaseCommand } from '../../cli/runtime/base-command.js'

export default class AutocompleteFish extends BaseCommand {
  static override summary = 'Print the fish completion script.'
  static override description =
    'Completes commands, topics and flags in fish. Save it where fish looks for completions:\n' +
    '  ledger autocomplete fish > ~/.config/fish/completions/ledger.fish\n' +
    '(bash, zsh and PowerShell: `ledger autocomplete <shell>`).'
  static override examples = ['<%= config.bin %> autocomplete fish > ~/.config/fish/completions/<%= config.bin %>.fish']
  static override enableJsonFlag = false

  async run(): Promise<void> {
    await this.parse(AutocompleteFish)
    this.ctx.io.stdout.write(fishCompletion(this.config.bin, this.config.commands, this.config.topics))
  }
}
