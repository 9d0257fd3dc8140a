// Regenerates oclif.manifest.json from the built commands in dist/ (run after `npm run build`).
// Same as `oclif manifest`, without pulling in the oclif dev CLI and its cloud SDKs.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Plugin } from '@oclif/core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export async function buildManifest() {
  const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true })
  await plugin.load()
  return JSON.stringify(plugin.manifest, null, 2) + '\n'
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(join(root, 'oclif.manifest.json'), await buildManifest())
  console.log('wrote oclif.manifest.json')
}
