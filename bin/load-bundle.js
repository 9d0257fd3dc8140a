// Loads the CLI bundle (dist/bundle/cli.cjs, built by scripts/bundle-cli.js) with V8's code
// cache beside it, so that a command starts without compiling oclif, zod, undici and the client
// again: `ledger whoami` takes ~100 ms less than when Node compiles the bundle itself.
//
// The cache starts with the SHA-1 of the bundle it was made from and the SHA-1 of the V8 data
// that follows. V8 refuses a cache made by another Node version or under other V8 flags, but it
// does not check the data itself: damaged data crashes the process ("Fatal error"), so it never
// reaches V8. Either way the bundle then compiles as usual, and the cache is written again
// (when the install is writable).
import { hash } from 'node:crypto'
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire, Module } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import vm from 'node:vm'

const BIN_DIR = dirname(fileURLToPath(import.meta.url))
export const BUNDLE_FILE = join(BIN_DIR, '..', 'dist', 'bundle', 'cli.cjs')
const CACHE_FILE = `${BUNDLE_FILE}.v8-cache`
/** SHA-1 of the bundle, SHA-1 of the V8 data. */
const HEADER_BYTES = 40
const RUN_URL = pathToFileURL(join(BIN_DIR, 'run.js')).href

// undici parses HTTP with llhttp compiled to WebAssembly. V8 compiles it twice: at once with its
// baseline compiler, then again with TurboFan in the background, and a short process waits
// ~100 ms at exit for that second compile (and holds ~30 MB more); the baseline code parses the
// CLI's responses just as well. Set before anything compiles: V8 flags are part of what a code
// cache must match.
setFlagsFromString('--liftoff-only')

function compile(useCache) {
  const source = readFileSync(BUNDLE_FILE)
  const id = hash('sha1', source, 'buffer')
  let cachedData
  if (useCache) {
    try {
      const file = readFileSync(CACHE_FILE)
      const data = file.subarray(HEADER_BYTES)
      if (file.subarray(0, 20).equals(id) && file.subarray(20, HEADER_BYTES).equals(hash('sha1', data, 'buffer'))) {
        cachedData = data
      }
    } catch {
      // no cache yet: the bundle compiles, and the cache is written
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE_FILE,
    cachedData,
  })
  return { script, id, cached: cachedData !== undefined && !script.cachedDataRejected }
}

/** Runs the bundle as the CommonJS module it is, registered where `require()` finds it. */
function evaluate(script) {
  const require = createRequire(BUNDLE_FILE)
  const module = new Module(BUNDLE_FILE)
  module.filename = BUNDLE_FILE
  // oclif requires the bundle by its path for the COMMANDS (package.json): it gets this module.
  require.cache[BUNDLE_FILE] = module
  script.runInThisContext()(module.exports, require, module, BUNDLE_FILE, dirname(BUNDLE_FILE))
  module.loaded = true
  // The daemon and the TUI load with this module's import(): in Node 20, one inside code
  // compiled from a code cache fails.
  module.exports.useImporter((url) => import(url))
  return module.exports
}

function saveCache(script, id) {
  const tmp = `${CACHE_FILE}.${process.pid}.tmp`
  try {
    const data = script.createCachedData()
    writeFileSync(tmp, Buffer.concat([id, hash('sha1', data, 'buffer'), data]))
    renameSync(tmp, CACHE_FILE)
  } catch {
    // a read-only install: each start compiles the bundle, nothing else changes
    rmSync(tmp, { force: true })
  }
}

/** Runs the CLI on the process's arguments, through oclif, from the bundle. */
export async function runCli() {
  const { script, id, cached } = compile(true)
  const cli = evaluate(script)
  if (!cached) saveCache(script, id)
  await cli.execute({ dir: RUN_URL })
}

/**
 * For the build: compiles the bundle afresh, runs `args` as a user would, and writes the cache
 * at exit, with every function that run compiled (the cache made right after loading the bundle
 * holds only the code that loading ran).
 */
export async function writeCodeCache(args) {
  const { script, id } = compile(false)
  const cli = evaluate(script)
  process.once('exit', () => {
    // Every command module evaluated (each is evaluated on first use): all of them in the cache.
    for (const name of Object.keys(cli.COMMANDS)) void cli.COMMANDS[name]
    saveCache(script, id)
  })
  await cli.execute({ dir: RUN_URL, args })
}
