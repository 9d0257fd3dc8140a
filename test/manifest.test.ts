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

describe('topics', () => {
  it('every topic (keys, projects, …) has a description of its own in package.json, not its first command’s summary', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { summary?: string }>
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      oclif: { topics: Record<string, { description: string }> }
    }
    const topics = new Set(
      Object.keys(manifest.commands)
        .filter((id) => id.includes(':'))
        .map((id) => id.split(':')[0]!),
    )
    expect([...topics].sort()).toEqual(Object.keys(pkg.oclif.topics).sort())
    const summaries = new Set(Object.values(manifest.commands).map((c) => c.summary))
    for (const t of topics) expect(summaries.has(pkg.oclif.topics[t]!.description)).toBe(false)
  })
})
