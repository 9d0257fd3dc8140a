import { afterAll, beforeAll, describe, expect, it, test } from 'vitest'
import type { LedgerClient } from '../../src/client/index.js'
import type { Panel, PanelInput } from '../../src/contract/panels.js'
import type { Project } from '../../src/contract/projects.js'
import { accountWithKey, registerAccount, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { expectError } from '../helpers/assertions.js'

// Seed 000's dashboard panels, with an API key (as the seed says) and with an access token;
// both resolve to the account that owns them. Reads are cached for 5 minutes: the test clock
// never moves here, so a list that reflects a write proves the write dropped the cache.

const PANEL_ID = /^panel_[0-9a-f]{16}$/
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/
const PANELS = '/api/v1/dashboard/panels'

let daemon: TestDaemon
let anon: LedgerClient

beforeAll(async () => {
  daemon = await startTestDaemon()
  anon = daemon.client
})
afterAll(async () => {
  await daemon?.close()
})

/** An account with a project (slug `alpha`), an API key on it, and clients for both credentials. */
async function setup() {
  const { account, project, keyClient } = await accountWithKey(anon, 'alpha')
  return { tokenClient: account.client, keyClient, project }
}

function panelInput(project: Pick<Project, 'slug'>, overrides: Partial<PanelInput> = {}): PanelInput {
  return {
    name: 'Error Dashboard',
    index: 0,
    project_id: project.slug,
    time_range_from: '2025-10-15T00:00:00Z',
    time_range_to: '2025-10-30T23:59:59Z',
    type: 'errors',
    ...overrides,
  }
}

/** A panel body with some fields replaced by anything (`undefined` drops a field). */
function invalidInput(
  project: Pick<Project, 'slug'>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return { ...panelInput(project), ...patch }
}

const list = async (client: LedgerClient) => {
  const res = await client.raw('GET', PANELS)
  expect(res.status).toBe(200)
  return res.body as { panels: Panel[]; total: number }
}

describe.each([
  ['an API key', 'key'],
  ['an access token', 'token'],
] as const)('panels with %s', (_label, kind) => {
  let client: LedgerClient
  let other: LedgerClient
  let project: Project

  beforeAll(async () => {
    const s = await setup()
    client = kind === 'key' ? s.keyClient : s.tokenClient
    other = kind === 'key' ? s.tokenClient : s.keyClient
    project = s.project
  })

  it('creates a panel: 201, a panel_<16 hex> id, the fields echoed', async () => {
    const input = panelInput(project, { name: 'Project A Logs', index: 3, type: 'logs' })
    const res = await client.raw('POST', PANELS, { body: input })
    expect(res.status).toBe(201)
    const panel = res.body as Panel
    expect(panel.id).toMatch(PANEL_ID)
    expect(panel).toEqual({ id: panel.id, ...input })
    await client.deletePanel(panel.id)
  })

  it('answers timestamps in ISO 8601 UTC, whatever offset they were sent with', async () => {
    const input = panelInput(project, {
      time_range_from: '2025-10-15T02:00:00+02:00',
      time_range_to: '2025-10-30T18:59:59.500-05:00',
    })
    const res = await client.raw('POST', PANELS, { body: input })
    expect(res.status).toBe(201)
    const panel = res.body as Panel
    expect(panel.time_range_from).toBe('2025-10-15T00:00:00Z')
    expect(panel.time_range_to).toBe('2025-10-30T23:59:59.500Z')
    const listed = (await list(client)).panels.find((p) => p.id === panel.id)!
    expect(listed.time_range_from).toMatch(ISO_UTC)
    expect(listed.time_range_to).toMatch(ISO_UTC)
    expect(listed).toEqual(panel)
    await client.deletePanel(panel.id)
  })

  it('lists {panels, total} ordered by index, whatever the creation order', async () => {
    const created: Panel[] = []
    for (const index of [2, 0, 1]) {
      created.push(await client.createPanel(panelInput(project, { name: `panel ${index}`, index })))
    }
    const body = await list(client)
    expect(body.total).toBe(3)
    expect(body.panels.map((p) => p.index)).toEqual([0, 1, 2])
    expect(body.panels.map((p) => p.name)).toEqual(['panel 0', 'panel 1', 'panel 2'])
    for (const p of created) await client.deletePanel(p.id)
    expect(await list(client)).toEqual({ panels: [], total: 0 })
  })

  it('updates a panel with PUT: 200 and the new fields', async () => {
    const panel = await client.createPanel(panelInput(project))
    const update = panelInput(project, {
      name: 'Updated Panel Name',
      index: 7,
      time_range_from: '2025-10-01T00:00:00Z',
      time_range_to: '2025-10-02T00:00:00Z',
      type: 'metrics',
    })
    const res = await client.raw('PUT', `${PANELS}/${panel.id}`, { body: update })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ id: panel.id, ...update })
    await client.deletePanel(panel.id)
  })

  test.each(['name', 'index', 'project_id', 'time_range_from', 'time_range_to', 'type'])(
    'answers 400 naming %s to a PUT without it (all fields are required)',
    async (field) => {
      const panel = await client.createPanel(panelInput(project))
      const body = invalidInput(project, { name: 'changed' })
      delete body[field]
      expectError(await client.raw('PUT', `${PANELS}/${panel.id}`, { body }), 400, field)
      // Nothing was changed.
      expect((await list(client)).panels.find((p) => p.id === panel.id)).toEqual(panel)
      await client.deletePanel(panel.id)
    },
  )

  it('deletes a panel: 200 {"success":true,"message":"Panel <id> deleted successfully"}', async () => {
    const panel = await client.createPanel(panelInput(project))
    const res = await client.raw('DELETE', `${PANELS}/${panel.id}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ success: true, message: `Panel ${panel.id} deleted successfully` })
    expectError(await client.raw('DELETE', `${PANELS}/${panel.id}`), 404)
  })

  it('reflects each write in the list at once (the cache is dropped on every write)', async () => {
    expect(await list(client)).toEqual({ panels: [], total: 0 }) // cached now

    const a = await client.createPanel(panelInput(project, { name: 'A', index: 0 }))
    expect(await list(client)).toEqual({ panels: [a], total: 1 })

    const b = await client.createPanel(panelInput(project, { name: 'B', index: 1 }))
    expect(await list(client)).toEqual({ panels: [a, b], total: 2 })

    const a2 = await client.updatePanel(a.id, panelInput(project, { name: 'A moved', index: 5 }))
    expect(await list(client)).toEqual({ panels: [b, a2], total: 2 })

    await client.deletePanel(b.id)
    expect(await list(client)).toEqual({ panels: [a2], total: 1 })

    // The other credential of the same account sees the same panels, and its writes too.
    expect(await list(other)).toEqual({ panels: [a2], total: 1 })
    await other.deletePanel(a2.id)
    expect(await list(client)).toEqual({ panels: [], total: 0 })
  })
})

describe('panel validation', () => {
  let client: LedgerClient
  let project: Project

  beforeAll(async () => {
    const s = await setup()
    client = s.keyClient
    project = s.project
  })

  test.each<[string, Record<string, unknown>, string]>([
    ['name is missing', { name: undefined }, 'name'],
    ['name is empty', { name: '' }, 'name'],
    ['name is longer than 255 characters', { name: 'n'.repeat(256) }, 'name'],
    ['name is not a string', { name: 5 }, 'name'],
    ['index is missing', { index: undefined }, 'index'],
    ['index is negative', { index: -1 }, 'index'],
    ['index is not an integer', { index: 1.5 }, 'index'],
    ['index is a string', { index: '1' }, 'index'],
    ['type is missing', { type: undefined }, 'type'],
    ['type is not logs, errors or metrics', { type: 'graph' }, 'type'],
    ['type is in upper case', { type: 'LOGS' }, 'type'],
    ['project_id is missing', { project_id: undefined }, 'project_id'],
    ['project_id is empty', { project_id: '' }, 'project_id'],
    ['time_range_from is missing', { time_range_from: undefined }, 'time_range_from'],
    ['time_range_from is not a timestamp', { time_range_from: 'yesterday' }, 'time_range_from'],
    ['time_range_from is a date without a time', { time_range_from: '2025-10-15' }, 'time_range_from'],
    ['time_range_from has no time zone', { time_range_from: '2025-10-15T00:00:00' }, 'time_range_from'],
    ['time_range_from is not a real date', { time_range_from: '2025-13-45T00:00:00Z' }, 'time_range_from'],
    ['time_range_from is a number', { time_range_from: 1760486400 }, 'time_range_from'],
    ['time_range_to is missing', { time_range_to: undefined }, 'time_range_to'],
    ['time_range_to is not a timestamp', { time_range_to: 'tomorrow' }, 'time_range_to'],
    ['time_range_from is after time_range_to', { time_range_from: '2025-11-01T00:00:00Z' }, 'time_range'],
  ])('answers 400 to a create where %s, naming the field', async (_case, patch, field) => {
    const res = await client.raw('POST', PANELS, { body: invalidInput(project, patch) })
    expectError(res, 400, field)
  })

  it('accepts index 0, a name of 255 characters and from equal to to', async () => {
    const res = await client.raw('POST', PANELS, {
      body: panelInput(project, {
        name: 'n'.repeat(255),
        index: 0,
        time_range_from: '2025-10-15T00:00:00Z',
        time_range_to: '2025-10-15T00:00:00Z',
      }),
    })
    expect(res.status).toBe(201)
    await client.deletePanel((res.body as Panel).id)
  })

  it('creates nothing on a 400', async () => {
    await client.raw('POST', PANELS, { body: invalidInput(project, { type: 'graph' }) })
    expect(await list(client)).toEqual({ panels: [], total: 0 })
  })
})

describe("a panel's project_id", () => {
  let mine: Awaited<ReturnType<typeof setup>>
  let second: Project
  let theirs: Project

  beforeAll(async () => {
    mine = await setup()
    second = await mine.tokenClient.createProject({ name: 'Beta', slug: 'beta' })
    theirs = (await accountWithKey(anon, 'gamma')).project
  })

  it('may be the slug of any project of the account, not only the key’s', async () => {
    const panel = await mine.keyClient.createPanel(panelInput(second))
    expect(panel.project_id).toBe('beta')
    await mine.keyClient.deletePanel(panel.id)
  })

  it('may be the numeric id of one of the account’s projects, as a string', async () => {
    const body = panelInput(second, { project_id: String(second.project_id) })
    const res = await mine.tokenClient.raw('POST', PANELS, { body })
    expect(res.status).toBe(201)
    expect((res.body as Panel).project_id).toBe(String(second.project_id))
    await mine.tokenClient.deletePanel((res.body as Panel).id)
  })

  test.each<[string, () => unknown]>([
    ['an unknown slug', () => 'no-such-project'],
    ["another account's slug", () => theirs.slug],
    ["another account's numeric id", () => String(theirs.project_id)],
    ['an unknown numeric id', () => '999999'],
    ['a number instead of a string', () => second.project_id],
  ])('answers 400 naming project_id for %s', async (_case, ref) => {
    const res = await mine.tokenClient.raw('POST', PANELS, {
      body: invalidInput(second, { project_id: ref() }),
    })
    expectError(res, 400, 'project_id')
  })

  it('is checked on update too', async () => {
    const panel = await mine.keyClient.createPanel(panelInput(second))
    const res = await mine.keyClient.raw('PUT', `${PANELS}/${panel.id}`, {
      body: panelInput(theirs),
    })
    expectError(res, 400, 'project_id')
    await mine.keyClient.deletePanel(panel.id)
  })
})

describe('panels of another account', () => {
  let owner: Awaited<ReturnType<typeof setup>>
  let intruder: Awaited<ReturnType<typeof setup>>
  let panel: Panel

  beforeAll(async () => {
    owner = await setup()
    intruder = await setup()
    panel = await owner.keyClient.createPanel(panelInput(owner.project, { name: 'Private' }))
  })

  test.each(['key', 'token'] as const)(
    'answer 404 to PUT and DELETE with the intruder’s %s',
    async (kind) => {
      const c = kind === 'key' ? intruder.keyClient : intruder.tokenClient
      const put = await c.raw('PUT', `${PANELS}/${panel.id}`, {
        body: panelInput(intruder.project, { name: 'Hijacked' }),
      })
      expectError(put, 404)
      expect(put.body).not.toHaveProperty('id')
      expectError(await c.raw('DELETE', `${PANELS}/${panel.id}`), 404)
      // The owner's panel is untouched.
      expect(await list(owner.tokenClient)).toEqual({ panels: [panel], total: 1 })
    },
  )

  it('are absent from the other account’s list', async () => {
    expect(await list(intruder.keyClient)).toEqual({ panels: [], total: 0 })
    expect(await list(intruder.tokenClient)).toEqual({ panels: [], total: 0 })
  })
})

describe('unknown panels and credentials', () => {
  let s: Awaited<ReturnType<typeof setup>>

  beforeAll(async () => {
    s = await setup()
  })

  test.each(['panel_0000000000000000', 'panel_nope', 'nope'])(
    'answer 404 to PUT and DELETE of %s',
    async (id) => {
      const put = await s.keyClient.raw('PUT', `${PANELS}/${id}`, { body: panelInput(s.project) })
      expectError(put, 404)
      expectError(await s.keyClient.raw('DELETE', `${PANELS}/${id}`), 404)
    },
  )

  it('answer 401 without a credential', async () => {
    expectError(await anon.raw('GET', PANELS, { credential: null }), 401)
    expectError(await anon.raw('POST', PANELS, { body: panelInput(s.project), credential: null }), 401)
    expectError(await anon.raw('DELETE', `${PANELS}/panel_0000000000000000`, { credential: null }), 401)
  })

  it('answer 401 to a revoked key', async () => {
    const key = await s.tokenClient.createApiKey(s.project.project_id, { name: 'to revoke' })
    const keyClient = anon.withCredential(key.full_key)
    expect((await keyClient.raw('GET', PANELS)).status).toBe(200)
    await s.tokenClient.revokeApiKey(key.key_id)
    expectError(await keyClient.raw('GET', PANELS), 401)
  })

  it('answer 401 to a logged-out access token', async () => {
    const account = await registerAccount(anon)
    expect((await account.client.raw('GET', PANELS)).status).toBe(200)
    await account.client.logout()
    expectError(await account.client.raw('GET', PANELS), 401)
  })
})
