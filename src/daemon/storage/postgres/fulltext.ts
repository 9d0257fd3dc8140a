import type { SearchNode } from '../../../contract/search-query.js'
import type { SearchLexemes } from './binary.js'

// Full-text search on PostgreSQL with SQLite's answers. SQLite indexes logs with FTS5's
// `unicode61` tokenizer (remove_diacritics 1): a word is a run of letters, digits, private-use
// characters and code points Unicode 6.1 had not assigned; words are case-folded and lose the
// diacritic of Latin letters carrying one (é → e, but ø, ß, æ, ł and ế stay). PostgreSQL's own
// tools do otherwise: its text-search parser reads `lock.js` as one host name, `user-service` as
// three words, and drops `²` or an emoji glued to a word depending on the database's locale;
// `unaccent` folds ß → ss, ø → o, ¼ → 1/4 (1,252 code points SQLite keeps). So words are made
// here by SQL functions that follow unicode61 step by step, with the character table taken from
// SQLite itself, and tsvector/tsquery values are built from those words directly (no parser, no
// dictionary, no extension, whatever the database's locale). README.md lists what still differs.

/**
 * The code points beyond ASCII that unicode61 keeps in words (hex ranges), found by tokenizing
 * `q<c>q` for every code point c with SQLite 3.53; test/db/postgres-fulltext.test.ts checks them
 * again. Unicode 6.1's categories L*, N* and Co, plus what 6.1 left unassigned (later emoji such
 * as U+1F642 included). Surrogates, never in text, are folded into the range around them.
 */
const WORD_RANGES = [
  'AA B2-B3 B5 B9-BA BC-BE C0-D6 D8-F6 F8-2C1 2C6-2D1 2E0-2E4 2EC 2EE 370-374 376-37D 37F-383 386',
  '388-3F5 3F7-481 48A-559 560-588 58B-58E 590 5C8-5F2 5F5-5FF 605 61C-61D 620-64A 660-669 66E-66F',
  '671-6D3 6D5 6E5-6E6 6EE-6FC 6FF 70E 710 712-72F 74B-7A5 7B1-7EA 7F4-7F5 7FA-815 81A 824 828',
  '82E-82F 83F-858 85C-85D 85F-8E3 8FF 904-939 93D 950 958-961 966-96F 971-980 984-9BB 9BD 9C5-9C6',
  '9C9-9CA 9CE-9D6 9D8-9E1 9E4-9F1 9F4-9F9 9FC-A00 A04-A3B A3D A43-A46 A49-A4A A4E-A50 A52-A6F',
  'A72-A74 A76-A80 A84-ABB ABD AC6 ACA ACE-AE1 AE4-AEF AF2-B00 B04-B3B B3D B45-B46 B49-B4A B4E-B55',
  'B58-B61 B64-B6F B71-B81 B83-BBD BC3-BC5 BC9 BCE-BD6 BD8-BF2 BFB-C00 C04-C3D C45 C49 C4E-C54',
  'C57-C61 C64-C7E C80-C81 C84-CBB CBD CC5 CC9 CCE-CD4 CD7-CE1 CE4-D01 D04-D3D D45 D49 D4E-D56',
  'D58-D61 D64-D78 D7A-D81 D84-DC9 DCB-DCE DD5 DD7 DE0-DF1 DF5-E30 E32-E33 E3B-E3E E40-E46 E50-E59',
  'E5C-EB0 EB2-EB3 EBA EBD-EC7 ECE-F00 F20-F33 F40-F70 F88-F8C F98 FBD FCD FDB-102A 103F-1049',
  '1050-1055 105A-105D 1061 1065-1066 106E-1070 1075-1081 108E 1090-1099 10A0-10FA 10FC-135C',
  '1369-138F 139A-13FF 1401-166C 166F-167F 1681-169A 169D-16EA 16EE-1711 1715-1731 1737-1751',
  '1754-1771 1774-17B3 17D7 17DC 17DE-17FF 180F-18A8 18AA-191F 192C-192F 193C-193F 1941-1943',
  '1946-19AF 19C1-19C7 19CA-19DD 1A00-1A16 1A1C-1A1D 1A20-1A54 1A5F 1A7D-1A7E 1A80-1A9F 1AA7',
  '1AAE-1AFF 1B05-1B33 1B45-1B59 1B7D-1B7F 1B83-1BA0 1BAE-1BE5 1BF4-1BFB 1C00-1C23 1C38-1C3A',
  '1C40-1C7D 1C80-1CBF 1CC8-1CCF 1CE9-1CEC 1CEE-1CF1 1CF5-1DBF 1DE7-1DFB 1E00-1FBC 1FBE 1FC2-1FCC',
  '1FD0-1FDC 1FE0-1FEC 1FF0-1FFC 1FFF 2065-2069 2070-2079 207F-2089 208F-209F 20BA-20CF 20F1-20FF',
  '2102 2107 210A-2113 2115 2119-211D 2124 2126 2128 212A-212D 212F-2139 213C-213F 2145-2149 214E',
  '2150-218F 23F4-23FF 2427-243F 244B-249B 24EA-24FF 2700 2776-2793 2B4D-2B4F 2B5A-2CE4 2CEB-2CEE',
  '2CF2-2CF8 2CFD 2D00-2D6F 2D71-2D7E 2D80-2DDF 2E2F 2E3C-2E7F 2E9A 2EF4-2EFF 2FD6-2FEF 2FFC-2FFF',
  '3005-3007 3021-3029 3031-3035 3038-303C 3040-3098 309D-309F 30A1-30FA 30FC-318F 3192-3195',
  '31A0-31BF 31E4-31FF 321F-3229 3248-324F 3251-325F 3280-3289 32B1-32BF 32FF 3400-4DBF 4E00-A48F',
  'A4C7-A4FD A500-A60C A610-A66E A67F-A69E A6A0-A6EF A6F8-A6FF A717-A71F A722-A788 A78B-A801',
  'A803-A805 A807-A80A A80C-A822 A82C-A835 A83A-A873 A878-A87F A882-A8B3 A8C5-A8CD A8D0-A8DF',
  'A8F2-A8F7 A8FB-A925 A930-A946 A954-A95E A960-A97F A984-A9B2 A9CE-A9DD A9E0-AA28 AA37-AA42',
  'AA44-AA4B AA4E-AA5B AA60-AA76 AA7A AA7C-AAAF AAB1 AAB5-AAB6 AAB9-AABD AAC0 AAC2-AADD AAE0-AAEA',
  'AAF2-AAF4 AAF7-ABE2 ABEE-FB1D FB1F-FB28 FB2A-FBB1 FBC2-FD3D FD40-FDFB FDFE-FDFF FE1A-FE1F',
  'FE27-FE2F FE53 FE67 FE6C-FEFE FF00 FF10-FF19 FF21-FF3A FF41-FF5A FF66-FFDF FFE7 FFEF-FFF8',
  '10000-100FF 10103-10136 10140-10178 1018A-1018F 1019C-101CF 101FE-1039E 103A0-103CF 103D1-10856',
  '10858-1091E 10920-1093E 10940-10A00 10A04 10A07-10A0B 10A10-10A37 10A3B-10A3E 10A40-10A4F',
  '10A59-10A7E 10A80-10B38 10B40-10FFF 11003-11037 1104E-1107F 11083-110AF 110C2-110FF 11103-11126',
  '11135-1113F 11144-1117F 11183-111B2 111C1-111C4 111C9-116AA 116B8-1246F 12474-16F50 16F7F-16F8E',
  '16F93-1CFFF 1D0F6-1D0FF 1D127-1D128 1D1DE-1D1FF 1D246-1D2FF 1D357-1D6C0 1D6C2-1D6DA 1D6DC-1D6FA',
  '1D6FC-1D714 1D716-1D734 1D736-1D74E 1D750-1D76E 1D770-1D788 1D78A-1D7A8 1D7AA-1D7C2 1D7C4-1EEEF',
  '1EEF2-1EFFF 1F02C-1F02F 1F094-1F09F 1F0AF-1F0B0 1F0BF-1F0C0 1F0D0 1F0E0-1F10F 1F12F 1F16C-1F16F',
  '1F19B-1F1E5 1F203-1F20F 1F23B-1F23F 1F249-1F24F 1F252-1F2FF 1F321-1F32F 1F336 1F37D-1F37F',
  '1F394-1F39F 1F3C5 1F3CB-1F3DF 1F3F1-1F3FF 1F43F 1F441 1F4F8 1F4FD-1F4FF 1F53E-1F53F 1F544-1F54F',
  '1F568-1F5FA 1F641-1F644 1F650-1F67F 1F6C6-1F6FF 1F774-E0000 E0002-E001F E0080-E00FF E01F0-10FFFF',
]

/** Combining marks unicode61 drops inside a word (and treats as separators at its start). */
const DIACRITICS = '300-304 306-30C 30F 311 31B 323-328 32D-32E 330-331'

/** Marks that may follow a Latin letter in its canonical decomposition. */
const COMBINING = '300-36F 1AB0-1AFF 1DC0-1DFF 20D0-20FF FE20-FE2F'

/**
 * What makes a (lower-case) text go through decomposition: Latin letters with diacritics, the
 * diacritics themselves (ICU lowers İ to i + U+0307), conjoining Hangul jamo, and the
 * characters that decomposing and composing again changes (CJK compatibility ideographs,
 * composition exclusions such as क़, Greek letters with oxia…), found with Node's `normalize`.
 */
const UNMARKED = [
  'C0-24F 1E00-1EFF 300-36F 1100-11FF',
  '340-341 343-344 374 37E 387 958-95F 9DC-9DD 9DF A33 A36 A59-A5B A5E B5C-B5D F43 F4D F52 F57 F5C',
  'F69 F73 F75-F76 F78 F81 F93 F9D FA2 FA7 FAC FB9 1F71 1F73 1F75 1F77 1F79 1F7B 1F7D 1FBB 1FBE',
  '1FC9 1FCB 1FD3 1FDB 1FE3 1FEB 1FEE-1FEF 1FF9 1FFB 1FFD 2000-2001 2126 212A-212B 2329-232A 2ADC',
  'F900-FA0D FA10 FA12 FA15-FA1E FA20 FA22 FA25-FA26 FA2A-FA6D FA70-FAD9 FB1D FB1F FB2A-FB36',
  'FB38-FB3C FB3E FB40-FB41 FB43-FB44 FB46-FB4E 1D15E-1D164 1D1BB-1D1C0 2F800-2FA1D',
]

/** Where simple case folding (unicode61) and lower case (ICU) differ: ς → σ, ſ → s, µ → μ… */
const FOLD_FROM = 'ςſµϐϑϕϖϰϱϵẛ\u1FBE'
const FOLD_TO = 'σsμβθφπκρεṡι'

/** A PostgreSQL regex bracket body from hex code points and ranges (`\uXXXX`, `\UXXXXXXXX`). */
function bracket(ranges: string): string {
  const cp = (hex: string) => {
    const n = Number.parseInt(hex, 16)
    const h = n.toString(16).toUpperCase()
    return n > 0xffff ? `\\U${h.padStart(8, '0')}` : `\\u${h.padStart(4, '0')}`
  }
  return ranges
    .split(/\s+/)
    .filter(Boolean)
    .map((r) => r.split('-').map(cp).join('-'))
    .join('')
}

const WORD = `0-9A-Za-z${bracket(WORD_RANGES.join(' '))}`
const DIACRITIC = bracket(DIACRITICS)
const UNMARKED_CLASS = bracket(UNMARKED.join(' '))
const COMBINING_CLASS = bracket(COMBINING)

/** PostgreSQL refuses words (lexemes) over 2047 bytes: longer ones are cut, in logs and queries alike. */
export const MAX_WORD_CHARS = 511

/**
 * The last position a tsvector keeps (later words all sit there), so a phrase further into a
 * log is not found; nor is one at an occurrence of a word past its 256th. SQLite has no limit.
 */
export const MAX_POSITION = 16_383

/**
 * The SQL (for a migration: one transaction, run by the database's owner; no superuser, no
 * extension) that creates the functions the engine calls (and two helpers of the first):
 * - `ledger_search_words(text) → text[]`: the words of a text, as unicode61 makes them;
 * - `ledger_search_vector(text, text, text, text, text) → tsvector`: the words of up to five
 *   fields, each apart (a phrase never runs from one into the next, as in FTS5's columns).
 *   For a log: `ledger_search_vector(message, error_type, error_message, stack_trace,
 *   attributes)`, the last being the attribute values as words (what `attributeText` gives);
 * - `ledger_search_term(text, prefix boolean) → tsquery`: one term of the query language, read
 *   as FTS5 reads a quoted string: its words as a phrase (`a <-> b`), the last a prefix if `*`.
 * Case folding uses ICU's root locale (collation `und-x-icu`): PostgreSQL must be built with
 * ICU, as the PGDG, Debian, Ubuntu, Docker and the large cloud offerings are.
 */
export const FULLTEXT_SCHEMA_SQL = `
DO $check$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE EXCEPTION 'Ledger needs a UTF8 database (this one is %)', current_setting('server_encoding');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
    RAISE EXCEPTION 'Ledger needs PostgreSQL built with ICU (the collation "und-x-icu" is missing)';
  END IF;
END
$check$;

CREATE OR REPLACE FUNCTION ledger_search_unmark(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
  WHEN s ~ '[${UNMARKED_CLASS}]' THEN normalize(regexp_replace(normalize(translate(s, '${FOLD_FROM}', '${FOLD_TO}'), NFD),
    '(?<=[a-z])[${DIACRITIC}](?![${COMBINING_CLASS}])', '', 'g'), NFC)
  WHEN s ~ '[${FOLD_FROM}]' THEN translate(s, '${FOLD_FROM}', '${FOLD_TO}')
  ELSE s
END;

-- Words (word characters and single spaces) case-folded: ICU's lower case, plus the folds
-- lower case lacks (ς → σ, µ → μ…); then, where the text holds a Latin letter with diacritics
-- (or a character that decomposing and composing again would change, so that every text goes
-- the same way), decompose, drop the diacritic of each ASCII letter carrying exactly one, and
-- compose again: é → e, but ế, ǖ and ø stay, as in unicode61.
CREATE OR REPLACE FUNCTION ledger_search_fold(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN octet_length(s) = char_length(s) THEN lower(s COLLATE "C")
  ELSE ledger_search_unmark(lower(s COLLATE "und-x-icu") COLLATE "C") END;

-- unicode61 step by step. ASCII text (most logs) takes the short way: every locale lowers
-- ASCII alike, and it carries no diacritics. Otherwise: drop the diacritics that follow a word
-- character (text typed decomposed), turn each run of other characters into one space, and
-- fold what is left (ledger_search_fold). The classes are regex ranges of code points under
-- the C collation: the database's locale plays no part. Not STRICT, so that PostgreSQL can
-- inline it (NULL gives NULL all the same).
CREATE OR REPLACE FUNCTION ledger_search_words(t text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN string_to_array(btrim(
  CASE WHEN octet_length(t) = char_length(t)
    THEN regexp_replace(lower(t COLLATE "C"), '[^0-9a-z]+', ' ', 'g')
    ELSE ledger_search_fold(regexp_replace(regexp_replace(t COLLATE "C",
      '(?<=[${WORD}])[${DIACRITIC}]+', '', 'g'), '[^${WORD}]+', ' ', 'g'))
  END), ' ');

-- Up to five fields (a log's: message, error_type, error_message, stack_trace, attribute
-- values). An empty word between two fields takes a position, so that no phrase runs from one
-- field into the next. Words hold only word characters (no quote, backslash or space): quoting
-- them is enough. Each is cut at ${MAX_WORD_CHARS} characters (PostgreSQL's limit is 2047 bytes).
CREATE OR REPLACE FUNCTION ledger_search_vector(a text, b text DEFAULT NULL, c text DEFAULT NULL,
    d text DEFAULT NULL, e text DEFAULT NULL) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
  SELECT coalesce(string_agg('''' || left(w, ${MAX_WORD_CHARS}) || ''':' || least(n, ${MAX_POSITION}), ' ') FILTER (WHERE w <> ''), '')::tsvector
  FROM unnest(
    coalesce(ledger_search_words(a), '{}') || ''::text || coalesce(ledger_search_words(b), '{}') || ''::text ||
    coalesce(ledger_search_words(c), '{}') || ''::text || coalesce(ledger_search_words(d), '{}') || ''::text ||
    coalesce(ledger_search_words(e), '{}')
  ) WITH ORDINALITY AS u(w, n)
);

-- A term without words matches nothing, as FTS5's empty phrase: no tsvector holds ' '.
CREATE OR REPLACE FUNCTION ledger_search_term(term text, prefix boolean) RETURNS tsquery
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
  SELECT coalesce(
    string_agg('''' || left(w, ${MAX_WORD_CHARS}) || '''' || CASE WHEN prefix AND n = cardinality(words) THEN ':*' ELSE '' END, ' <-> ' ORDER BY n),
    ''' ''')::tsquery
  FROM ledger_search_words(term) AS words, unnest(words) WITH ORDINALITY AS u(w, n)
);
`

/**
 * The query tree as a tsquery expression, for `<search vector> @@ <expression>`. Each term's
 * text is bound as a parameter (pushed onto `params`, so numbered `$n` after those already
 * there), never written into the SQL; `ledger_search_term` makes its words exactly as
 * `ledger_search_vector` made the logs'. AND, OR and NOT keep FTS5's meaning: `a NOT (b OR c)`
 * is `a && !!(b || c)`.
 */
export function toTsQuery(node: SearchNode, params: unknown[]): string {
  switch (node.kind) {
    case 'term':
      params.push(node.text)
      return `ledger_search_term($${params.length}::text, ${node.prefix ? 'true' : 'false'})`
    case 'or':
      return `(${node.any.map((n) => toTsQuery(n, params)).join(' || ')})`
    case 'and': {
      const all = node.all.map((n) => toTsQuery(n, params)).join(' && ')
      if (node.not.length === 0) return `(${all})`
      return `(${all} && !!(${node.not.map((n) => toTsQuery(n, params)).join(' || ')}))`
    }
  }
}

/** The most positions a lexeme keeps (PostgreSQL's MAXNUMPOS: tsvector_in drops the rest). */
const MAX_POSITIONS_PER_WORD = 256

/**
 * `ledger_search_vector(a, b, c, d, e)` made here, as its lexemes and their positions (sent to
 * PostgreSQL in binary: `binary.ts`), when every field is ASCII (most logs), or null otherwise
 * (the SQL function then makes it). For ASCII text the function takes its short way, which this
 * follows step for step: lower case, runs of anything but `[0-9a-z]` as one separator, each
 * field's words numbered on from the last field's plus one (an empty word between fields),
 * positions capped at MAX_POSITION, words cut at MAX_WORD_CHARS; and then what tsvector_in does
 * with the text the function builds: the positions of a word without repeats, up to 256 of them
 * and none after the first at MAX_POSITION. PostgreSQL then only reads the lexemes instead of
 * running the regular expressions (~50 µs a log): the same vector, for a fraction of the
 * server's CPU. `test/storage/postgres/fulltext.test.ts` compares the two on the test corpus.
 */
export function asciiSearchVector(fields: ReadonlyArray<string | null>): SearchLexemes | null {
  const out: SearchLexemes = new Map()
  let n = 0
  const add = (word: string) => {
    n++
    const w = word.length > MAX_WORD_CHARS ? word.slice(0, MAX_WORD_CHARS) : word
    const p = n < MAX_POSITION ? n : MAX_POSITION
    const positions = out.get(w)
    if (positions === undefined) out.set(w, [p])
    else {
      const last = positions[positions.length - 1]!
      if (last !== p && last !== MAX_POSITION && positions.length < MAX_POSITIONS_PER_WORD) positions.push(p)
    }
  }
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) n++ // the empty word between two fields
    const f = fields[i]
    if (f === null || f === undefined) continue
    // The words: runs of [0-9A-Za-z], lower-cased; anything else separates them.
    let start = -1
    let upper = false
    for (let j = 0; j <= f.length; j++) {
      const c = j < f.length ? f.charCodeAt(j) : 32
      if (c > 0x7f) return null
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
        if (start < 0) start = j
      } else if (c >= 65 && c <= 90) {
        if (start < 0) start = j
        upper = true
      } else if (start >= 0) {
        const word = f.slice(start, j)
        add(upper ? word.toLowerCase() : word)
        start = -1
        upper = false
      }
    }
  }
  return out
}
