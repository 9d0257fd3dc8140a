// The texts the two full-text engines are compared on (test/db/postgres-fulltext.test.ts).

/** The text fields of a log that full-text search reads. */
export interface TextDoc {
  message?: string
  error_type?: string
  error_message?: string
  stack_trace?: string
  attributes?: Record<string, unknown>
}

/** test/daemon/search.test.ts's logs, in its order (the queries there name them by index). */
export const SEARCH_TEST_LOGS: TextDoc[] = [
  {
    message: 'connection refused by upstream',
    error_type: 'ConnectionError',
    attributes: { user_id: 42, region: 'eu' },
  },
  { message: 'connection reset by peer', attributes: { user_id: '42' } },
  { message: 'timeout while waiting for lock', stack_trace: 'at Lock.acquire (lock.js:10)', attributes: { 'service.name': 'api' } },
  { message: 'request timed out', error_message: 'upstream timed out' },
  { message: 'user refused connection', attributes: { http: { status: 500 } } },
  { message: 'cache miss for key', attributes: { ok: true, none: null } },
  { message: 'Café déjà vu' },
]

/** Logs for the cases the brief names: case, accents, punctuation, scripts, emoji, fields. */
export const EXTRA_LOGS: TextDoc[] = [
  /* 7 */ { message: 'GET /api/v1/users/42 failed: user_id=42 not found', attributes: { service: 'user-service' } },
  /* 8 */ { message: "l'été est chaud, l’hiver froid; don't panic", error_type: 'WeatherError' },
  /* 9 */ { message: '日本語のテキスト が 壊れた', error_message: '中文错误code123' },
  /* 10 */ { message: 'deploy🙂ok then deploy 😀 done 👍', attributes: { tag: 'x²y' } },
  /* 11 */ { message: 'ΟΔΟΣ Straße Łódź İstanbul Tiếng Việt', stack_trace: 'cafe\u0301 de\u0301ja\u0300 vu' },
  /* 12 */ { message: 'took 35µs (3e8fab1) at 3.14 — 1,000 rows; v1.2.3', error_message: 'mail foo@bar.com https://x.y/z?q=1' },
  /* 13 */ { message: 'alpha', error_type: 'beta', error_message: 'gamma delta', attributes: { a: 'epsilon', b: 'zeta' } },
  /* 14 */ { message: 'ＡＢＣ fullwidth, ﬁle ligature, ǅ digraph, ¼ fraction, Ⅻ numeral' },
  /* 15 */ { message: 'snake_case_name and kebab-case-name and CamelCaseName and dotted.name.here' },
]

/** Fragments the generated logs are made of (none of the documented exceptions among them). */
export const DOC_WORDS = [
  'connection', 'Connection', 'CONNECTION', 'refused', 'timed', 'out', 'timeout', 'lock.js', 'Lock',
  'user_id', 'user-service', 'Café', 'cafe', 'CAFÉ', 'déjà', 'deja', 'vu', 'l’été', "l'été", 'été',
  '日本語のテキスト', '日本語', 'テキスト', '中文', 'Straße', 'strasse', 'Łódź', 'lodz', 'ΟΔΟΣ', 'οδος',
  'İstanbul', 'istanbul', 'Tiếng', 'tieng', '35µs', 'μs', 'x²', '1e5x', '3e8fab1', 'fab1',
  'foo@bar.com', 'v1.2.3', '3.14', '42', '500', 'ＡＢＣ', 'abc', 'cafe\u0301', 'ﬁle', 'file', 'ǅ',
  'Ⅻ', '¼', 'naïve', 'naive', 'ŒUVRE', 'œuvre', 'ǖ', 'ü', 'u', 'ø', 'o', 'Ё', 'е', 'ё',
]

/** What may stand between two fragments: separators, and characters unicode61 keeps in words. */
export const GLUE = [' ', ' ', ' ', '-', '.', '_', '/', ', ', '\n', '\t', '—', '"', "'", '’', '(', ')', ':', '·', '🙂', '😀', '²', '\u0301']

/** Query terms: the fragments, their beginnings, and phrases across them. */
export const QUERY_TERMS = [
  ...DOC_WORDS,
  'conn', 'con', 'caf', 'déj', '日本', 'stra', 'ł', 'tie', 'use', 'lock.j', 'time', 'ti', 'ΟΔ', 'x', 'fab',
  '3e', 'v1', 'foo@', 'ﬁ', 'fi', 'na', 'œ', 'oe', 'е',
  'connection refused', 'timed ou', 'user id', 'lock js', 'deja vu', 'alpha beta', 'gamma delta',
  'epsilon zeta', 'l été', 'user service', 'foo bar com', 'code123', '日本語のテキスト が',
]

/** A seeded pseudo-random source (the generated logs are the same at every run). */
export function seeded(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

/** `n` logs made of DOC_WORDS and GLUE, spread over every text field and attribute values. */
export function generatedLogs(n: number, random: () => number): TextDoc[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!
  const text = (max: number) => {
    let s = pick(DOC_WORDS)
    for (let i = Math.floor(random() * max); i > 0; i--) s += pick(GLUE) + pick(DOC_WORDS)
    return s
  }
  return Array.from({ length: n }, () => {
    const doc: TextDoc = { message: text(6) }
    if (random() < 0.3) doc.error_type = text(1)
    if (random() < 0.3) doc.error_message = text(3)
    if (random() < 0.2) doc.stack_trace = text(5)
    if (random() < 0.4) doc.attributes = { k: text(2), n: Math.floor(random() * 1000), nested: { v: pick(DOC_WORDS) } }
    return doc
  })
}
