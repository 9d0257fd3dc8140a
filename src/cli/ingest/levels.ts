import { LEVELS, type Level } from '../../contract/ingest.js'

/**
 * Level names other tools use, lower-cased, mapped onto Ledger's five levels: log4j/logback
 * (TRACE, FATAL, SEVERE), syslog (notice, crit, alert, emerg), Serilog (Verbose, Information,
 * Fatal), Go (panic, dpanic), npm (silly, verbose, http), Android (V D I W E F, A for assert).
 */
const ALIASES: ReadonlyMap<string, Level> = new Map<string, Level>([
  ...LEVELS.map((l): [string, Level] => [l, l]),
  ...aliases('debug', 'trace', 'trc', 'verbose', 'verb', 'vrb', 'silly', 'dbg', 'debu', 'fine', 'finer', 'finest', 'config', 'v', 'd'),
  ...aliases('info', 'information', 'informational', 'inf', 'notice', 'log', 'http', 'i'),
  ...aliases('warning', 'warn', 'wrn', 'wrng', 'w'),
  ...aliases('error', 'err', 'eror', 'erro', 'fail', 'failure', 'e'),
  ...aliases('critical', 'crit', 'crt', 'fatal', 'ftl', 'severe', 'panic', 'dpanic', 'alert', 'emerg', 'emergency', 'assert', 'f', 'a'),
])

function aliases(level: Level, ...names: string[]): Array<[string, Level]> {
  return names.map((n) => [n, level])
}

/** Syslog severities 0–7 (RFC 5424). */
const SYSLOG: readonly Level[] = ['critical', 'critical', 'critical', 'error', 'warning', 'info', 'info', 'debug']

/**
 * A level value from a JSON log line, normalised onto Ledger's levels; null when it is not one.
 * Strings are matched case-insensitively against the aliases above. Numbers of 10 and above are
 * pino/bunyan levels (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal); 0–7 are syslog
 * severities. A numeric string is read as a number.
 */
export function normalizeLevel(value: unknown): Level | null {
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase()
    const direct = ALIASES.get(value) ?? ALIASES.get(lower)
    if (direct) return direct
    if (/^\d{1,3}$/.test(lower)) return numericLevel(Number(lower))
    // Go's slog between named levels (`ERROR+2`, `INFO-4`), OpenTelemetry's `INFO2`, `WARN4`.
    const m = /^([a-z]+)(?:[+-]\d{1,2}|[1-4])$/.exec(lower)
    return m ? (ALIASES.get(m[1]!) ?? null) : null
  }
  if (typeof value === 'number') return numericLevel(value)
  return null
}

/**
 * OpenTelemetry's `SeverityNumber` (1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR,
 * 21-24 FATAL), as a number or a digit string; null outside 1-24.
 */
export function otelSeverityLevel(value: unknown): Level | null {
  const n = typeof value === 'string' && /^\d{1,2}$/.test(value.trim()) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 24) return null
  return n <= 8 ? 'debug' : n <= 12 ? 'info' : n <= 16 ? 'warning' : n <= 20 ? 'error' : 'critical'
}

function numericLevel(n: number): Level | null {
  if (!Number.isInteger(n) || n < 0) return null
  if (n <= 7) return SYSLOG[n] ?? null
  if (n < 10) return null
  if (n < 20) return 'debug'
  if (n < 30) return 'debug'
  if (n < 40) return 'info'
  if (n < 50) return 'warning'
  if (n < 60) return 'error'
  return 'critical'
}

// Level words as a line's prefix: the upper-case forms (and Title/lower case only where the
// shape leaves no doubt: bracketed, or first word followed by a colon).
const WORDS =
  'TRACE|TRC|VERBOSE|DEBUG|DBG|INFO|INFORMATION|INF|NOTICE|WARN|WARNING|WRN|ERROR|ERR|EROR|FATAL|FTL|CRITICAL|CRIT|SEVERE|PANIC|ALERT|EMERG|EMERGENCY'
/** `level=error`, `lvl: warn`, `severity="ERROR"` (logfmt, key-value logs) anywhere near the start. */
const KEY_VALUE = /(?:^|[\s,{;])(?:level|lvl|severity|loglevel|log_level)\s*[=:]\s*["']?([A-Za-z]+)/i
/** `<3>` syslog priority (journald, kernel style): severity is priority & 7. */
const SYSLOG_PRI = /^<(\d{1,3})>/
/** Android logcat brief format `W/ActivityManager( 123): …` or `E/Tag: …`. */
const LOGCAT = /^([VDIWEFA])\/[^\s:(]+\s*(?:\(\s*\d+\))?\s*:/
/** glog / klog: `E0102 15:04:05.000000 …` (Go, Kubernetes). */
const GLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/
/** `[warn]`, `(error)`, `<Info>`, `|ERROR|` in any case; Apache's `[core:error]`. */
const BRACKETED = new RegExp(`[[(<|]\\s*(?:[\\w-]+:)?(${WORDS})\\s*[\\])>|]`, 'i')
/** `error: …`, `Warning: …` as the first word, in any case. */
const FIRST_WORD = new RegExp(`^\\s*(${WORDS})\\s*[:!]`, 'i')
/** An upper-case level word as a whole token: `2025-01-02 10:00:00 ERROR …`, `npm WARN …`. */
const UPPER_TOKEN = new RegExp(`(?:^|[\\s\\[(<|])(${WORDS})(?=$|[\\s\\]):>|,!.-])`)
/** How much of a line counts as its prefix. */
const HEAD = 120

/**
 * The level a plain text line announces in its first characters, or null: syslog priorities,
 * `level=` key-values, Android and glog prefixes, then `[warn]`-style brackets, a first word
 * with a colon (`error: …`), and finally an upper-case level word (`… ERROR …`).
 */
export function detectLevel(line: string): Level | null {
  const head = line.length > HEAD ? line.slice(0, HEAD) : line
  let m = SYSLOG_PRI.exec(head)
  if (m) return SYSLOG[Number(m[1]) & 7] ?? null
  m = KEY_VALUE.exec(head)
  if (m) {
    const l = normalizeLevel(m[1])
    if (l) return l
  }
  m = LOGCAT.exec(head) ?? GLOG.exec(head)
  if (m) return normalizeLevel(m[1])
  m = BRACKETED.exec(head) ?? FIRST_WORD.exec(head) ?? UPPER_TOKEN.exec(head)
  return m ? normalizeLevel(m[1]) : null
}
