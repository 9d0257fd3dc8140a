import type { Success } from '../../contract/common.js'
import type { BucketSize, Panel, PanelData, PanelList } from '../../contract/panels.js'
import type { Session } from '../auth/session.js'
import { panelBody, type PanelFlagValues } from '../flags/panels.js'
import { CliError } from '../runtime/errors.js'

/** A new panel from its flags; without `--index` it goes last. */
export async function createPanel(session: Session, flags: PanelFlagValues, now: number): Promise<Panel> {
  const client = await session.accountClient()
  const index = flags.index ?? (await client.listPanels()).total
  return client.createPanel(panelBody({ ...flags, index }, {}, now))
}

export async function listPanels(session: Session): Promise<PanelList> {
  return (await session.accountClient()).listPanels()
}

/** The panel with the flags given laid over its current fields (the API replaces a panel whole). */
export async function updatePanel(session: Session, id: string, flags: PanelFlagValues, now: number): Promise<Panel> {
  const client = await session.accountClient()
  const current = (await client.listPanels()).panels.find((p) => p.id === id)
  if (!current) throw new CliError(`no panel '${id}'`, 'See `ledger panels list`.')
  return client.updatePanel(id, panelBody(flags, current, now))
}

export async function deletePanel(session: Session, id: string): Promise<Success> {
  return (await session.accountClient()).deletePanel(id)
}

/** What a panel shows over its time range. */
export async function panelData(
  session: Session,
  id: string,
  opts: { bucket?: BucketSize; limit?: number },
): Promise<PanelData> {
  return (await session.accountClient()).panelData(id, opts)
}
