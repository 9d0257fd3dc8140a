/**
 * The fish completion script for the CLI, made from its commands as oclif knows them (topics,
 * commands, flags). @oclif/plugin-autocomplete 3 writes bash, zsh and PowerShell only.
 */

/** What the script needs of a command (oclif's `Command.Loadable` has it). */
export interface CompletableCommand {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  args?: Record<string, { name: string }>
  flags: Record<
    string,
    { name: string; char?: string; summary?: string; description?: string; type: 'boolean' | 'option'; options?: readonly string[]; hidden?: boolean }
  >
}

/** fish's single-quoted string: only `\` and `'` need escaping. */
function quote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`
}

/** The first line of a summary or description (fish shows one line), oclif's templates filled in. */
function line(text: string | undefined, bin: string): string {
  return (text ?? '').split('\n')[0]!.replace(/<%=\s*config\.bin\s*%>/g, bin).trim()
}

/**
 * The script: `complete` lines for every command word after the ones typed (topic by topic:
 * `ledger keys <tab>` offers `create`, `list`, …) and for each command's flags once its words
 * are typed. Options (words starting with `-`) are skipped when matching the typed words.
 */
export function fishCompletion(
  bin: string,
  commands: readonly CompletableCommand[],
  topics: ReadonlyArray<{ name: string; description?: string }>,
): string {
  const fn = `__${bin.replace(/[^A-Za-z0-9_]/g, '_')}`
  const out: string[] = [
    `# fish completion for ${bin}: save as ~/.config/fish/completions/${bin}.fish`,
    `# (made by \`${bin} autocomplete fish\`; run it again after an upgrade)`,
    '',
    `function ${fn}_words --description 'the command words typed so far'`,
    '    set -l words (commandline -opc)',
    '    for w in $words[2..-1]',
    "        string match -q -- '-*' $w; or echo $w",
    '    end',
    'end',
    '',
    `function ${fn}_at --description 'the typed command words are exactly these'`,
    `    set -l words (${fn}_words)`,
    '    test "$words" = "$argv"',
    'end',
    '',
    `function ${fn}_in --description 'the typed command words start with these'`,
    `    set -l words (${fn}_words)`,
    '    test (count $words) -ge (count $argv); or return 1',
    '    for i in (seq (count $argv))',
    '        test "$words[$i]" = "$argv[$i]"; or return 1',
    '    end',
    'end',
    '',
    `complete -c ${bin} -f`,
  ]
  const visible = commands.filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id))
  // A word's description: its command's own where one has that id, else its topic's.
  const text = (id: string): string => {
    const c = visible.find((v) => v.id === id)
    return c ? line(c.summary ?? c.description, bin) : line(topics.find((t) => t.name === id)?.description, bin)
  }
  // Each word that may follow a path of words: a topic or a command.
  const next = new Map<string, Map<string, string>>()
  for (const c of visible) {
    const words = c.id.split(':')
    for (let i = 0; i < words.length; i++) {
      const path = words.slice(0, i).join(' ')
      const id = words.slice(0, i + 1).join(':')
      const options = next.get(path) ?? new Map<string, string>()
      options.set(words[i]!, text(id))
      next.set(path, options)
    }
  }
  for (const [path, words] of next) {
    for (const [word, d] of words) {
      out.push(`complete -c ${bin} -n ${quote(`${fn}_at ${path}`.trim())} -a ${quote(word)}${d ? ` -d ${quote(d)}` : ''}`)
    }
  }
  for (const c of visible) {
    const words = c.id.split(':').join(' ')
    // A command's flags once its words are typed (its arguments may follow), not under a
    // longer command it is the start of (`autocomplete` and `autocomplete fish`).
    const children = [...(next.get(words)?.keys() ?? [])]
    const when = [`${fn}_in ${words}`, ...children.map((w) => `not ${fn}_in ${words} ${w}`)].join('; and ')
    // Arguments that are files (`ingest FILE…`): file names; other arguments are not completed.
    if (Object.values(c.args ?? {}).some((a) => /file|path/i.test(a.name))) out.push(`complete -c ${bin} -n ${quote(when)} -F`)
    for (const f of Object.values(c.flags)) {
      if (f.hidden) continue
      let spec = `complete -c ${bin} -n ${quote(when)} -l ${f.name}`
      if (f.char) spec += ` -s ${f.char}`
      // A value, never a file name (no flag of ours takes a path).
      if (f.type === 'option') spec += f.options?.length ? ` -x -a ${quote(f.options.join(' '))}` : ' -x'
      const d = line(f.summary ?? f.description, bin)
      if (d) spec += ` -d ${quote(d)}`
      out.push(spec)
    }
  }
  return `${out.join('\n')}\n`
}
