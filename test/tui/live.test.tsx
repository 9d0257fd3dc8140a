import { render } from 'ink-testing-library'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LedgerClient } from '../../src/client/index.js'
import { App } from '../../src/tui/app.js'
import { classifyFetchError } from '../../src/tui/fetch-errors.js'
import { accountWithKey, log, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'

describe('ledger top against a real daemon', () => {
  let d: TestDaemon
  let closed = false
  beforeAll(async () => {
    d = await startTestDaemon({}, { realClock: true })
  })
  afterAll(async () => {
    if (!closed) await d.close()
  })

  it('shows the projects, live figures and errors the daemon reports, then that it went away', async () => {
    const a = await accountWithKey(d.client, 'live-app')
    await a.account.client.createProject({ name: 'Quiet', slug: 'live-quiet' })
    await a.keyClient.ingestBatch([
      ...Array.from({ length: 12 }, (_, i) => log({ message: `ok ${i}` })),
      log({ level: 'error', message: 'checkout failed: card declined' }),
      log({ level: 'critical', message: 'payment provider down' }),
    ])
    // Its own connections, so that closing the daemon is a refused connection, as in real life.
    const client = new LedgerClient({ baseUrl: d.url, credential: a.account.access_token, timeoutMs: 2000 })
    const r = render(
      <App
        fetchOverview={(q) => client.statsOverview(q)}
        classifyError={classifyFetchError}
        url={d.url}
        intervalMs={100}
        size={{ columns: 120, rows: 36 }}
      />,
    )
    try {
      const frame = () => r.lastFrame() ?? ''
      await waitFor(() => frame().includes('live-quiet'), 10_000, 'the projects')
      expect(frame()).toContain(`Ledger top  ${d.url}  ● connected  healthy`)
      expect(frame()).toContain('5m: 14 logs, 2 errors')
      // Queue 0 once the worker and the full-text thread have processed the batch.
      await waitFor(() => /live-app +[\d.]+ +0 ░{10} +2 +14\/1\.0M 0%/.test(frame()), 10_000, 'the batch processed')
      expect(frame()).toMatch(/test key +live-app +ldg_proj_\d+_\w+ +1\/1000 +0/)
      expect(frame()).toMatch(/live-app +CRITICAL +payment provider down/)
      expect(frame()).toMatch(/live-app +ERROR +checkout failed: card declined/)
      // Once the second of the batch is complete, it shows in the rate (14 logs / 10 s).
      await waitFor(() => frame().includes('Ingest 1.4 logs/s'), 5_000, 'the rate')

      await d.close()
      closed = true
      await waitFor(() => frame().includes('● disconnected'), 10_000, 'the disconnected state')
      expect(frame()).toContain(`Daemon unreachable at ${d.url}: retrying every second`)
      expect(frame()).toContain('live-quiet')
    } finally {
      r.unmount()
      await client.close()
    }
  })
})
