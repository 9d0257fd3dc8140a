import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { validateLog } from '../../src/contract/ingest.js'
import { type Database, openDatabase } from '../../src/daemon/storage/sqlite/database.js'
import { appendLogs, logCountsAfter } from '../../src/daemon/storage/sqlite/logs.js'
import type { IndexedRange, Indexer } from '../../src/daemon/storage/types.js'
import { emptyColumns, pushLog } from '../../src/daemon/ingest/batch-decode.js'
import { LogEvents, type ProcessedBatch } from '../../src/daemon/services/log-events.js'
import { ProcessingQueue } from '../../src/daemon/workers/processing-queue.js'
import { testTempDir } from '../helpers/tmp.js'

// The processing queue over a real SQLite file: what it counts as waiting, what it announces,
// and how fast it says it drains (the Retry-After of a full queue, and the index-lag bound).

let dir: string | undefined
let db: Database | undefined
afterEach(() => {
  db?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
  db = undefined
  dir = undefined
})

function setUp(indexedUpTo = 0) {
  dir = testTempDir('ledger-queue-')
  db = openDatabase(join(dir, 'ledger.db'))
  const events = new LogEvents(indexedUpTo)
  const batches: ProcessedBatch[] = []
  events.subscribe((b) => batches.push(b))
  const calls: string[] = []
  // The indexer's side of the seam, driven by the test (the real one is a thread; see fulltext.test.ts).
  const listeners = new Set<(r: IndexedRange) => void>()
  const indexer: Indexer = {
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    kick: () => calls.push('kick'),
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    ready: async () => undefined,
    status: { running: true, paused: false, indexed_upto: indexedUpTo, last_error: null },
  }
  const clock = { now: 1_000_000 }
  const make = (state = { indexedUpTo, rebuildUpTo: 0 }) => {
    // What the composition root gives the queue at start: the stored logs above the watermark.
    const after = Math.max(state.indexedUpTo, state.rebuildUpTo)
    return new ProcessingQueue(events, indexer, { ...logCountsAfter(db!, after), after }, () => clock.now)
  }
  return { db, events, batches, calls, clock, make }
}

function store(database: Database, projectId: number, n: number): number {
  const c = emptyColumns()
  for (let i = 0; i < n; i++) {
    const v = validateLog({ timestamp: '2026-01-01T00:00:00Z', level: 'info', log_type: 'logger', importance: 'standard', message: `m${i}` })
    if (!v.ok) throw new Error(v.detail)
    pushLog(c, v.value)
  }
  return database.transaction(() => appendLogs(database, projectId, 0, c))()
}

describe('ProcessingQueue', () => {
  it('counts committed logs per project until the indexer reaches them, then announces them', () => {
    const { db, batches, calls, make } = setUp()
    const q = make()
    q.start()
    const a = store(db!, 1, 3)
    q.committed(a, new Map([[1, 3]]))
    const b = store(db!, 2, 2)
    q.committed(b, new Map([[2, 2]]))
    expect([q.depth(1), q.depth(2), q.totalDepth()]).toEqual([3, 2, 5])
    expect(calls.filter((c) => c === 'kick').length).toBeGreaterThanOrEqual(2)

    q.indexed(a, 3, 1)
    expect([q.depth(1), q.depth(2)]).toEqual([0, 2])
    expect(batches.at(-1)).toEqual({ from: 0, upTo: 3, counts: new Map([[1, 3]]) })
    q.indexed(b, 2, 1)
    expect(q.totalDepth()).toBe(0)
    expect(q.status().processed).toBe(5)
  })

  it('counts concurrent commits that complete out of id order as the indexer reaches each', () => {
    const { db, make } = setUp()
    const q = make()
    q.start()
    const a = store(db!, 1, 3)
    const b = store(db!, 2, 2)
    // The commit of b (ids above a's) is heard of first (LogWriteStore.concurrentCommits).
    q.committed(b, new Map([[2, 2]]))
    q.committed(a, new Map([[1, 3]]))
    q.indexed(a, 3, 1)
    expect([q.depth(1), q.depth(2)]).toEqual([0, 2])
    q.indexed(b, 2, 1)
    expect(q.totalDepth()).toBe(0)
  })

  it("announces the logs other daemons committed in a range with their projects, or as of any project when unknown; its depths stay its own", () => {
    const { db, batches, make } = setUp()
    const q = make()
    q.start()
    const a = store(db!, 1, 3)
    q.committed(a, new Map([[1, 3]]))
    // Ids 4–5 were committed by another daemon (project 7), heard of with their counts.
    q.indexed(a + 2, 3, 1, new Map([[7, 2]]))
    expect(batches.at(-1)).toEqual({ from: 0, upTo: a + 2, counts: new Map([[1, 3], [7, 2]]) })
    expect([q.depth(1), q.depth(7), q.totalDepth()]).toEqual([0, 0, 0])
    expect(q.depths().size).toBe(0)
    // Ids 6–9 of projects not known (the bus was cut): any project's tails must read them.
    q.indexed(a + 6, 0, 0, 'unknown')
    expect(batches.at(-1)).toEqual({ from: a + 2, upTo: a + 6, counts: new Map(), anyProject: true })
    expect(q.status().processed).toBe(3)
  })

  it('after a restart, counts the logs stored but not indexed yet (not a rebuild backlog)', () => {
    const { db, make } = setUp()
    store(db!, 1, 4)
    store(db!, 2, 6)
    // Indexed up to 4 (project 1's): project 2's six are waiting.
    expect(make({ indexedUpTo: 4, rebuildUpTo: 0 }).depth(2)).toBe(6)
    // A rebuild up to 10: nothing is waiting to be processed.
    expect(make({ indexedUpTo: 0, rebuildUpTo: 10 }).totalDepth()).toBe(0)
  })

  it('drains at the indexer’s measured rate: Retry-After is what is to drain over it, 1 to 60 s', () => {
    const { make, clock } = setUp()
    const q = make()
    // Not running: nothing drains, the longest answer.
    expect(q.secondsToDrain(1000)).toBe(60)
    q.start()
    expect(q.drainRate()).toBeNull()
    // Running, logs waiting, nothing measured yet: ask again in a second…
    q.committed(30_000, new Map([[1, 30_000]]))
    expect(q.secondsToDrain(1000)).toBe(1)
    // …unless nothing has been indexed for 10 s: stuck.
    clock.now += 10_001
    expect(q.secondsToDrain(1000)).toBe(60)
    // 20,000 logs indexed in 400 ms of indexing: 50,000 logs/s.
    for (let i = 1; i <= 4; i++) {
      clock.now += 100
      q.indexed(i * 5000, 5000, 100)
    }
    expect(q.drainRate()).toBe(50_000)
    expect(q.secondsToDrain(200_000)).toBe(4)
    expect(q.secondsToDrain(10)).toBe(1)
    expect(q.secondsToDrain(10_000_000)).toBe(60)
    // A rate from a handful of logs says little: the index-lag bound does not use it.
    clock.now += 20_000
    q.indexed(20_001, 10, 5)
    expect(q.drainRate()).toBe(2000)
    expect(q.drainRate(true)).toBeNull()
    // And old measurements are forgotten.
    clock.now += 20_000
    expect(q.drainRate()).toBeNull()
  })

  it('answers the longest Retry-After while indexing is paused', () => {
    const { make } = setUp()
    const q = make()
    q.start()
    q.indexed(5000, 5000, 100)
    q.pause()
    expect(q.secondsToDrain(1000)).toBe(60)
  })

  it('pauses and resumes the indexer', () => {
    const { calls, make } = setUp()
    const q = make()
    q.start()
    q.pause()
    expect(q.status().running).toBe(false)
    q.committed(1, new Map([[1, 1]]))
    q.resume()
    expect(calls).toEqual(['kick', 'pause', 'resume'])
  })
})
