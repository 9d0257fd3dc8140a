import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error plain JS script without types
import { buildManifest } from '../scripts/manifest.js'
import { ROOT } from './helpers/daemon.js'

describe('oclif.manifest.json', () => {
  it('is up to date with the commands (regenerate with `npm run manifest`)', async () => {
    const committed = readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')
    const fresh: string = await buildManifest()
    // The version is the package's; everything else must match exactly.
    expect(JSON.parse(committed)).toEqual(JSON.parse(fresh))
  })
})
