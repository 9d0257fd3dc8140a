import { describe, expect, it } from 'vitest'
import { CommitFeed } from '../../../src/daemon/storage/postgres/commit-feed.js'
import type { IndexedRange } from '../../../src/daemon/storage/types.js'

// The PostgreSQL engine's "indexer" with several daemons on the database: each range it
// announces must say which projects the other daemons' logs in it belong to, or that it does not
// know (then every project's tails read the range). A range announced with a wrong list would
// make a caught-up tail skip logs for ever. Notifications arrive in commit order; this daemon
// hears of its own commit when it returns, possibly before the notification of an earlier one.

function setUp() {
  const feed = new CommitFeed(0)
  const ranges: IndexedRange[] = []
  feed.subscribe((r) => ranges.push(r))
  feed.resync(0)
  ranges.length = 0
  return { feed, ranges }
}

describe('CommitFeed', () => {
  it('announces another daemon’s commit with its counts per project', () => {
    const { feed, ranges } = setUp()
    feed.heardCommit(5, new Map([[7, 5]]), false)
    expect(ranges).toEqual([{ upTo: 5, rows: 0, ms: 0, others: new Map([[7, 5]]) }])
  })

  it('announces its own commit as unknown when ids below it were committed elsewhere and not heard of yet', () => {
    const { feed, ranges } = setUp()
    // Ids 1–10: another daemon's commit, whose notification has not arrived; 11–20: this one's.
    feed.stored(10, 20, 10)
    feed.kick()
    expect(ranges.at(-1)).toEqual({ upTo: 20, rows: 10, ms: 0, others: 'unknown' })
    // Its notification then comes: already announced (as unknown), nothing more.
    feed.heardCommit(10, new Map([[7, 10]]), false)
    expect(ranges.length).toBe(1)
    // This daemon's echo, then a commit of its own right after: nobody else's ids in between.
    feed.heardCommit(20, new Map([[1, 10]]), true)
    feed.stored(20, 25, 5)
    feed.kick()
    expect(ranges.at(-1)).toEqual({ upTo: 25, rows: 5, ms: 0 })
    // Another daemon's commit after this one's: its counts, this one's echo not needed.
    feed.heardCommit(30, new Map([[3, 5]]), false)
    expect(ranges.at(-1)).toEqual({ upTo: 30, rows: 0, ms: 0, others: new Map([[3, 5]]) })
  })

  it('announces two commits of its own that returned out of id order as its own, not unknown', () => {
    const { feed, ranges } = setUp()
    feed.heardCommit(10, new Map([[7, 10]]), false)
    // Two commits in flight at once (ids 11–20 and 21–30): the later ids return first.
    feed.stored(20, 30, 10)
    feed.stored(10, 20, 10)
    feed.kick()
    expect(ranges.at(-1)).toEqual({ upTo: 30, rows: 20, ms: 0 })
  })

  it('a commit whose projects were too many to list is announced as unknown', () => {
    const { feed, ranges } = setUp()
    feed.heardCommit(100, null, false)
    expect(ranges.at(-1)?.others).toBe('unknown')
  })

  it('while the bus is cut, every range is unknown; at the resync, what log_ids holds is announced as unknown', () => {
    const { feed, ranges } = setUp()
    feed.lost()
    feed.stored(0, 5, 5)
    feed.kick()
    expect(ranges.at(-1)).toEqual({ upTo: 5, rows: 5, ms: 0, others: 'unknown' })
    // Meanwhile others committed up to 40.
    feed.resync(40)
    expect(ranges.at(-1)).toEqual({ upTo: 40, rows: 0, ms: 0, others: 'unknown' })
    // Heard again: known counts.
    feed.heardCommit(42, new Map([[2, 2]]), false)
    expect(ranges.at(-1)).toEqual({ upTo: 42, rows: 0, ms: 0, others: new Map([[2, 2]]) })
  })

  it('a read of log_ids beyond what was heard announces the rest as unknown; paused, it holds everything back', () => {
    const { feed, ranges } = setUp()
    feed.polled(3)
    expect(ranges.at(-1)).toEqual({ upTo: 3, rows: 0, ms: 0, others: 'unknown' })
    feed.pause()
    feed.heardCommit(8, new Map([[1, 5]]), false)
    expect(ranges.length).toBe(1)
    feed.resume()
    expect(ranges.at(-1)).toEqual({ upTo: 8, rows: 0, ms: 0, others: new Map([[1, 5]]) })
  })
})
