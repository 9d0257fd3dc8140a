import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { deadPort, ROOT } from '../helpers/daemon.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { testTempDir } from '../helpers/tmp.js'

// The built CLI is one bundle compiled from V8's code cache (scripts/bundle-cli.js,
// bin/load-bundle.js). These tests check that the cache the build wrote is the one a command
// uses, and that a cache which does not belong to the bundle, or is damaged, is never used.
const BUNDLE = join(ROOT, 'dist', 'bundle', 'cli.cjs')
const CACHE = `${BUNDLE}.v8-cache`
const sha1 = (data: Buffer) => createHash('sha1').update(data).digest()

const temp: string[] = []
const tempDir = (prefix: string) => {
  const d = testTempDir(prefix)
  temp.push(d)
  return d
}
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('the CLI bundle and its code cache', () => {
  test('the build wrote a cache for this very bundle, and V8 accepts it: a command leaves it untouched', async () => {
    const cache = readFileSync(CACHE)
    expect(cache.subarray(0, 20).equals(sha1(readFileSync(BUNDLE)))).toBe(true)
    const before = statSync(CACHE).mtimeMs
    // A refused cache is written again after the bundle compiles; an accepted one is only read.
    const r = await runCli({ home: tempDir('ledger-bundle-') }, '--version')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ledger\/\d+\.\d+\.\d+ /)
    expect(statSync(CACHE).mtimeMs).toBe(before)
  })

  // A copy of the built CLI, so that the project's own cache is not touched.
  function copyOfTheCli(): { root: string; bundle: string; cache: string } {
    const root = tempDir('ledger-bundle-copy-')
    cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true })
    mkdirSync(join(root, 'dist'))
    cpSync(join(ROOT, 'dist', 'bundle'), join(root, 'dist', 'bundle'), { recursive: true })
    for (const f of ['package.json', 'oclif.manifest.json']) cpSync(join(ROOT, f), join(root, f))
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'))
    return { root, bundle: join(root, 'dist', 'bundle', 'cli.cjs'), cache: join(root, 'dist', 'bundle', 'cli.cjs.v8-cache') }
  }

  async function runCopy(root: string) {
    return spawnSync(process.execPath, [join(root, 'bin', 'run.js'), 'health', '--url', `http://127.0.0.1:${await deadPort()}`], {
      env: cliEnv({ home: tempDir('ledger-bundle-home-') }),
      encoding: 'utf8',
    })
  }

  test('a cache made for another bundle is ignored: the command runs, and the cache is rewritten for this bundle', async () => {
    const cli = copyOfTheCli()
    // The header of another bundle, followed by this bundle's real cache data: only the header
    // tells them apart, and it must be enough.
    writeFileSync(cli.cache, Buffer.concat([sha1(Buffer.from('another bundle')), readFileSync(CACHE).subarray(20)]))
    const r = await runCopy(cli.root)
    expect(r.stderr).toMatch(/cannot reach the Ledger daemon/)
    expect(r.status).toBe(1)
    expect(readFileSync(cli.cache).subarray(0, 20).equals(sha1(readFileSync(cli.bundle)))).toBe(true)
  })

  test('a damaged cache for this bundle never reaches V8 (which would crash): the command runs, and a good cache replaces it', async () => {
    const cli = copyOfTheCli()
    const damaged = Buffer.from(readFileSync(CACHE))
    // The header is right (this bundle, and the checksum of the data as it was); the data is not.
    for (let i = 64; i < damaged.length; i += 997) damaged[i] = damaged[i]! ^ 0xff
    writeFileSync(cli.cache, damaged)
    const r = await runCopy(cli.root)
    expect(r.stderr).toMatch(/cannot reach the Ledger daemon/)
    expect(r.status).toBe(1)
    expect(readFileSync(cli.cache).equals(damaged)).toBe(false)
    // The new cache is accepted: a second run leaves it as it is.
    const rewritten = readFileSync(cli.cache)
    expect((await runCopy(cli.root)).status).toBe(1)
    expect(readFileSync(cli.cache).equals(rewritten)).toBe(true)
  })
})
