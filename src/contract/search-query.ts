/**
 * The full-text query language of `q` (GET /api/v1/logs, the tail, `ledger logs`): words,
 * prefixes `time*`, phrases `"connection refused"`, `AND`, `OR`, `NOT` (upper case) and
 * parentheses. Two terms side by side mean AND. The parser is pure and backend-neutral: it
 * turns the text into a tree, or a sentence saying what is wrong and where; the daemon's
 * storage translates the tree into its own engine's syntax (SQLite FTS5 today).
 */

/** A word or phrase. `text` is as typed (the engine tokenizes it the way it indexed logs). */
export interface TermNode {
  kind: 'term'
  text: string
  /** Typed in double quotes. */
  phrase: boolean
  /** Ends in `*`: the last word matches as a prefix. */
  prefix: boolean
}
/** Every `all` matches and none of `not`. `all` is never empty. */
export interface AndNode {
  kind: 'and'
  all: SearchNode[]
  not: SearchNode[]
}
export interface OrNode {
  kind: 'or'
  any: SearchNode[]
}
export type SearchNode = TermNode | AndNode | OrNode

export const SEARCH_LIMITS = { length: 1000, terms: 64, depth: 16 } as const

type Token =
  | { type: 'term'; text: string; phrase: boolean; prefix: boolean; at: number }
  | { type: 'and' | 'or' | 'not' | 'open' | 'close'; at: number }

/** A letter or a digit: what the index keeps of a word (the rest separates words). */
const SEARCHABLE = /[\p{L}\p{N}]/u
const WORD_END = /[\s"()]/u

export class SearchSyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SearchSyntaxError'
  }
}

// Messages continue the field's name: "q has an unbalanced quote: …".
const fail = (message: string): never => {
  throw new SearchSyntaxError(message)
}

function tokenize(q: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < q.length) {
    const c = q[i]!
    const at = i + 1
    if (/\s/u.test(c)) {
      i++
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'open' : 'close', at })
      i++
    } else if (c === '"') {
      const end = q.indexOf('"', i + 1)
      if (end < 0) fail(`has an unbalanced quote: the phrase at character ${at} is never closed`)
      const text = q.slice(i + 1, end)
      if (!SEARCHABLE.test(text)) fail(`has a phrase with no letters or digits at character ${at}`)
      i = end + 1
      const prefix = q[i] === '*'
      if (prefix) i++
      if (i < q.length && !WORD_END.test(q[i]!)) {
        fail(`has text right after the phrase closed at character ${end + 1}: put a space between them`)
      }
      tokens.push({ type: 'term', text, phrase: true, prefix, at })
    } else {
      let j = i
      while (j < q.length && !WORD_END.test(q[j]!)) j++
      const word = q.slice(i, j)
      i = j
      if (word === 'AND' || word === 'OR' || word === 'NOT') {
        tokens.push({ type: word.toLowerCase() as 'and' | 'or' | 'not', at })
        continue
      }
      const star = word.indexOf('*')
      if (star >= 0 && star < word.length - 1) {
        fail(`has '*' inside a word at character ${at + star}: '*' only ends a prefix, as in time*`)
      }
      const prefix = star === word.length - 1
      const text = prefix ? word.slice(0, -1) : word
      if (!SEARCHABLE.test(text)) {
        fail(
          prefix && text.length === 0
            ? `has '*' with no letters before it at character ${at}: write a prefix such as time*`
            : `has a word with no letters or digits at character ${at} ('${word}')`,
        )
      }
      tokens.push({ type: 'term', text, phrase: false, prefix, at })
    }
  }
  return tokens
}

const NAMES = { and: 'AND', or: 'OR', not: 'NOT' } as const

/**
 * Parses `q`. Precedence, loosest first: OR, then AND (explicit or by juxtaposition) with NOT
 * excluding from the terms around it (`a NOT b c` = a and c, without b). A query made only of
 * exclusions (`NOT b`) is refused: exclusions need something to exclude from.
 * @throws SearchSyntaxError whose message continues "q …" and names the character.
 */
export function parseSearchQuery(q: string): SearchNode {
  if (q.length > SEARCH_LIMITS.length) fail(`must be at most ${SEARCH_LIMITS.length} characters`)
  const tokens = tokenize(q)
  if (tokens.length === 0) fail('has nothing to search for')
  const terms = tokens.filter((t) => t.type === 'term').length
  if (terms > SEARCH_LIMITS.terms) fail(`has ${terms} terms; the most is ${SEARCH_LIMITS.terms}`)
  let pos = 0
  const peek = () => tokens[pos]
  const startsItem = (t: Token | undefined) => t !== undefined && (t.type === 'term' || t.type === 'open')

  const parseOr = (depth: number): SearchNode => {
    const any = [parseAnd(depth)]
    while (peek()?.type === 'or') {
      const op = tokens[pos++]!
      const next = peek()
      if (!startsItem(next) && next?.type !== 'not') fail(`has OR at character ${op.at} with nothing after it`)
      any.push(parseAnd(depth))
    }
    return any.length === 1 ? any[0]! : { kind: 'or', any }
  }

  const parseAnd = (depth: number): SearchNode => {
    const all: SearchNode[] = []
    const not: SearchNode[] = []
    let firstNot: Token | undefined
    for (;;) {
      const t = peek()
      if (t === undefined || t.type === 'or' || t.type === 'close') break
      let negate = false
      if (t.type === 'and') {
        if (all.length + not.length === 0) fail(`has AND at character ${t.at} with nothing before it`)
        pos++
        if (peek()?.type === 'not') {
          firstNot ??= peek()
          negate = true
          pos++
        }
        if (!startsItem(peek())) fail(`has ${negate ? 'AND NOT' : 'AND'} at character ${t.at} with nothing after it`)
      } else if (t.type === 'not') {
        firstNot ??= t
        negate = true
        pos++
        if (!startsItem(peek())) fail(`has NOT at character ${t.at} with nothing after it`)
      }
      const item = parseItem(depth)
      if (negate) not.push(item)
      else all.push(item)
    }
    if (all.length + not.length === 0) {
      const t = peek()
      if (t?.type === 'or') fail(`has OR at character ${t.at} with nothing before it`)
      if (t?.type === 'close') fail(`has ')' at character ${t.at} with nothing to close`)
      fail('has nothing to search for')
    }
    if (all.length === 0) {
      fail(
        `excludes without including: NOT at character ${firstNot!.at} needs a term to exclude from, as in 'timeout NOT retry'`,
      )
    }
    return all.length === 1 && not.length === 0 ? all[0]! : { kind: 'and', all, not }
  }

  const parseItem = (depth: number): SearchNode => {
    const t = tokens[pos++]!
    if (t.type === 'term') return { kind: 'term', text: t.text, phrase: t.phrase, prefix: t.prefix }
    // t is '(' (startsItem was checked by the caller)
    if (depth >= SEARCH_LIMITS.depth) fail(`nests parentheses more than ${SEARCH_LIMITS.depth} deep`)
    if (peek()?.type === 'close') fail(`has empty parentheses at character ${t.at}`)
    const inner = parseOr(depth + 1)
    const close = tokens[pos]
    if (close?.type !== 'close') fail(`has '(' at character ${t.at} that is never closed`)
    pos++
    return inner
  }

  const tree = parseOr(0)
  const rest = peek()
  if (rest) {
    // Only a ')' can be left over: every other token starts or continues an expression.
    fail(
      rest.type === 'close'
        ? `has ')' at character ${rest.at} with no '(' before it`
        : `has ${rest.type in NAMES ? NAMES[rest.type as keyof typeof NAMES] : 'text'} at character ${rest.at} that cannot be read`,
    )
  }
  return tree
}

/** The query written back in canonical form (explicit AND, parentheses): for messages and tests. */
export function formatSearchQuery(node: SearchNode): string {
  switch (node.kind) {
    case 'term':
      return (node.phrase ? `"${node.text}"` : node.text) + (node.prefix ? '*' : '')
    case 'or':
      return `(${node.any.map(formatSearchQuery).join(' OR ')})`
    case 'and': {
      const all = node.all.map(formatSearchQuery).join(' AND ')
      const not = node.not.map((n) => ` NOT ${formatSearchQuery(n)}`).join('')
      return `(${all}${not})`
    }
  }
}
