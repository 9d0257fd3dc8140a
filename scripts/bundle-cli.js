// Bundles the CLI (run after `tsc` by `npm run build`) into one CommonJS file,
// dist/bundle/cli.cjs, and writes V8's code cache for it. bin/run.js loads the two
// (bin/load-bundle.js), so a command starts without resolving, reading and compiling ~600
// modules: that was most of the start-up of a short command (issue #6).
//
// The bundle holds every command file of dist/commands/ (as the COMMANDS that oclif's
// "explicit" command discovery reads, see package.json), oclif, zod, undici, chalk, the client and
// the contracts. Left out, and loaded from dist/ only by the command that needs them
// (src/cli/runtime/outside.ts):
// - dist/daemon/ (`ledger daemon run`): the daemon finds its worker threads by file path;
// - dist/tui/ (`ledger top`): Ink is an ES module with top-level await, which CommonJS cannot
//   require;
// - native addons (@napi-rs/keyring, better-sqlite3), and typescript, which oclif requires only
//   to run a plugin from its sources.
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { BUNDLE_FILE } from '../bin/load-bundle.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const outDir = dirname(BUNDLE_FILE)
const daemonDir = join(dist, 'daemon')
const tuiDir = join(dist, 'tui')

/**
 * The daemon and the TUI's screen stay out of the bundle: commands load them with
 * `importOutside()` (src/cli/runtime/outside.ts), never with an import esbuild would follow. (A static
 * import of the TUI's plain modules, such as its snapshot, is bundled; one that reached Ink would
 * fail the build, on Ink's top-level await.)
 */
const daemonAndTuiStayOutside = {
  name: 'daemon-and-tui-stay-outside',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path)
      const inDaemon = target.startsWith(daemonDir + sep)
      if (!inDaemon && !(target.startsWith(tuiDir + sep) && args.kind === 'dynamic-import')) return undefined
      throw new Error(`${relative(root, args.importer)} imports ${args.path}: load it with importOutside() instead`)
    })
  },
}

/**
 * oclif loads its plugins' commands and hooks (ES modules) with `import()` in its module loader.
 * Inside the bundle that `import()` fails once V8 has compiled it from the code cache, in Node 20
 * ("A dynamic import callback was not specified"): it goes through the importer that
 * bin/load-bundle.js hands the bundle instead (see src/cli/runtime/outside.ts).
 */
const oclifImportsThroughLoader = {
  name: 'oclif-imports-through-loader',
  setup(b) {
    b.onLoad({ filter: /@oclif[\\/]core[\\/]lib[\\/]module-loader\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const patched = text.replaceAll('await import(', 'await globalThis[Symbol.for("ledger.import")](')
      if (patched === text) throw new Error(`${args.path} has no \`await import(\` left: look again at how oclif loads plugins`)
      return { contents: patched, loader: 'js' }
    })
  },
}

/** `daemon/run.js` → `daemon:run`, the id oclif gives the command file of that path. */
function commandEntries() {
  const dir = join(dist, 'commands')
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => ({ id: f.slice(0, -3).split(sep).join(':'), file: './' + join('commands', f).split(sep).join('/') }))
}

export async function bundleCli() {
  rmSync(outDir, { recursive: true, force: true })
  const commands = commandEntries()
  const entry = [
    "export { execute } from '@oclif/core'",
    "export { useImporter } from './cli/runtime/outside.js'",
    // Each command module (and what only it needs) is evaluated when oclif asks for it: a
    // require() of an ES module in the bundle becomes a function that runs it on first call.
    'export const COMMANDS = {',
    ...commands.map((c) => `  get ${JSON.stringify(c.id)}() { return require(${JSON.stringify(c.file)}).default },`),
    '}',
  ].join('\n')
  await build({
    stdin: { contents: entry, resolveDir: dist, sourcefile: 'cli-entry.js', loader: 'js' },
    outfile: BUNDLE_FILE,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20.19',
    external: ['@napi-rs/keyring', 'better-sqlite3', 'typescript'],
    plugins: [daemonAndTuiStayOutside, oclifImportsThroughLoader],
    // src/ is ES modules: the few that use import.meta.url get the bundle's own URL.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
    // Without comments and blanks the bundle is 1.6 MB instead of 2.3 MB: less to read, hash and
    // decode at every start (~10-25 ms of `whoami`). Names are kept, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
  })
  await writeCodeCache()
}

/** A port nothing listens on: one the OS just handed out and took back. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * The code cache, from a command run the way a user runs one: `ledger health` against a port where
 * nothing listens goes through oclif, the flags, the session, the client and the error output.
 * In a child process, with nothing of the build loaded, and a throwaway LEDGER_HOME.
 */
async function writeCodeCache() {
  const home = mkdtempSync(join(tmpdir(), 'ledger-build-'))
  try {
    const loader = pathToFileURL(join(root, 'bin', 'load-bundle.js')).href
    const args = ['health', '--url', `http://127.0.0.1:${await freePort()}`]
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import(${JSON.stringify(loader)}).then((m) => m.writeCodeCache(${JSON.stringify(args)}))`],
      { env: { ...process.env, LEDGER_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
    )
    // `health` exits 1 here (nothing listens); anything else means the bundle itself is broken.
    if (r.status !== 1 || !/cannot reach/i.test(r.stderr)) {
      throw new Error(`the CLI bundle did not run (exit ${r.status}): ${r.stderr}`)
    }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleCli()
