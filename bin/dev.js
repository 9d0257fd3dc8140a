#!/usr/bin/env -S node --import tsx --disable-warning=ExperimentalWarning
// The CLI from its TypeScript sources (through tsx), for development: no build, no bundle.
// The built CLI reads its commands from the bundle (package.json, "explicit" discovery); from the
// sources, they are the files of src/commands/.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Config, execute } from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif.commands = './dist/commands'
const config = await Config.load({ root, pjson, ignoreManifest: true })
await execute({ development: true, dir: import.meta.url, loadOptions: config })
