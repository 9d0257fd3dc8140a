import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './helpers/daemon.js'

// The daemon's floor plan, as imports: each folder may import only what its README says. A
// forbidden import or an import cycle fails here, naming the files.

const SRC = join(ROOT, 'src')
const DAEMON = join(SRC, 'daemon')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return sources(p)
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [p] : []
  })
}

/** Every import (static, dynamic, re-export; type-only included) of a file: resolved paths or package names. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2] ?? m[3])!,
  )
  return specs.map((s) => (s.startsWith('.') ? resolve(dirname(file), s).replace(/\.js$/, '.ts') : s))
}

const rel = (p: string) => relative(SRC, p)
const files = sources(DAEMON)
const graph = new Map(files.map((f) => [f, importsOf(f)]))
const under = (folder: string) => (p: string) => p.startsWith(join(DAEMON, folder) + '/')

/** Every import from a file in `from` that `forbidden` says no to, as "a → b". */
function violations(from: (p: string) => boolean, forbidden: (target: string) => boolean): string[] {
  const out: string[] = []
  for (const [f, targets] of graph) {
    if (!from(f)) continue
    for (const t of targets) if (forbidden(t)) out.push(`${rel(f)} → ${t.startsWith('/') ? rel(t) : t}`)
  }
  return out
}

describe('the daemon floor plan', () => {
  it('reads the imports it checks (multi-line ones included)', () => {
    const root = graph.get(join(DAEMON, 'container.ts'))!
    expect(root).toContain(join(DAEMON, 'storage', 'sqlite', 'index.ts'))
    expect(root).toContain(join(DAEMON, 'services', 'accounts.ts'))
    expect(graph.get(join(DAEMON, 'storage', 'sqlite', 'index.ts'))).toContain(join(DAEMON, 'storage', 'types.ts'))
  })

  it('only storage/sqlite/ imports better-sqlite3', () => {
    expect(violations((f) => !under('storage/sqlite')(f), (t) => t === 'better-sqlite3')).toEqual([])
  })

  it('only storage/postgres/ imports the PostgreSQL client', () => {
    expect(violations((f) => !under('storage/postgres')(f), (t) => t === 'pg' || t.startsWith('pg/'))).toEqual([])
  })

  it('only redis/ imports the Redis client, and redis/ reaches only the services it implements', () => {
    expect(violations((f) => !under('redis')(f), (t) => t === 'ioredis' || t.startsWith('ioredis/'))).toEqual([])
    expect(violations(under('redis'), (t) => ['http', 'ingest', 'workers', 'storage'].some((d) => under(d)(t)))).toEqual([])
  })

  it('only the composition root (container.ts) builds what redis/ holds', () => {
    const from = (f: string) => !under('redis')(f) && !f.endsWith('container.ts')
    expect(violations(from, (t) => under('redis')(t))).toEqual([])
  })

  it('storage/ imports neither services/ nor http/ nor ingest/ (only the thread helpers of workers/)', () => {
    expect(
      violations(under('storage'), (t) =>
        ['services', 'http', 'ingest'].some((f) => under(f)(t)) ||
        (under('workers')(t) && !t.endsWith('workers/threads.ts') && !t.endsWith('workers/call-pool.ts')),
      ),
    ).toEqual([])
  })

  it('services/, ingest/ and workers/ never import http/, nor an engine (only the seam)', () => {
    const from = (f: string) => ['services', 'ingest', 'workers'].some((d) => under(d)(f))
    expect(violations(from, (t) => under('http')(t) || under('storage/sqlite')(t) || under('storage/postgres')(t))).toEqual([])
  })

  it('only the composition root (container.ts) picks an engine', () => {
    const from = (f: string) => !under('storage')(f) && !f.endsWith('container.ts')
    expect(violations(from, (t) => under('storage/sqlite')(t) || under('storage/postgres')(t))).toEqual([])
  })

  it('nothing in the daemon imports the CLI, the TUI or the client', () => {
    expect(
      violations(
        () => true,
        (t) => ['cli', 'commands', 'tui', 'client'].some((d) => t.startsWith(join(SRC, d) + '/')),
      ),
    ).toEqual([])
  })

  it('has no import cycle', () => {
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const stack: string[] = []
    const visit = (f: string) => {
      state.set(f, 'open')
      stack.push(f)
      for (const t of graph.get(f) ?? []) {
        if (!graph.has(t)) continue
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].map(rel).join(' → '))
        else if (!state.has(t)) visit(t)
      }
      stack.pop()
      state.set(f, 'done')
    }
    for (const f of files) if (!state.has(f)) visit(f)
    expect(cycles).toEqual([])
  })

  it('each daemon folder has a README saying what lives there and what it may import', () => {
    for (const folder of ['http', 'ingest', 'workers', 'services', 'storage', 'storage/sqlite', 'storage/postgres', 'redis']) {
      const text = readFileSync(join(DAEMON, folder, 'README.md'), 'utf8')
      expect(text, folder).toMatch(/import/i)
    }
  })
})
