import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'
import { testTempDir } from './tmp.js'

// Where PostgreSQL is installed on this machine and how to run its programs (as the postgres
// system user when the tests run as root), and the run's template cluster: `initdb` runs once
// per test run, and each server starts from a copy of it (0.2 s instead of 2 s).

/** The oldest major version Ledger supports. */
const MIN_MAJOR = 15
/** The superuser of every test cluster (password in the template's `password` file). */
export const ADMIN = 'ledger_admin'

/** A PostgreSQL install the tests can use. */
export interface PostgresInstall {
  /** Directory of `initdb` and `postgres`. */
  bin: string
  major: number
  /** Set when the server must run as another user (the tests run as root). */
  runAs?: { user: string; uid: number; gid: number }
}

/**
 * The newest PostgreSQL (≥ 15) installed under /usr/lib/postgresql (or where `pg_config` says),
 * or why the tests that need one are skipped.
 */
export function findPostgres(): PostgresInstall | { skip: string } {
  const bins: Array<{ bin: string; major: number }> = []
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    for (const v of readdirSync(debian)) {
      if (/^\d+$/.test(v)) bins.push({ bin: join(debian, v, 'bin'), major: Number(v) })
    }
  }
  const config = spawnSync('pg_config', ['--bindir', '--version'], { encoding: 'utf8' })
  if (config.status === 0) {
    const [bin, version] = config.stdout.trim().split('\n')
    const major = Number(/PostgreSQL (\d+)/.exec(version ?? '')?.[1])
    if (bin && major) bins.push({ bin, major })
  }
  const usable = bins
    .filter((b) => existsSync(join(b.bin, 'initdb')) && existsSync(join(b.bin, 'postgres')))
    .sort((a, b) => b.major - a.major)
  const found = usable[0]
  if (!found) return { skip: 'PostgreSQL is not installed (apt-get install postgresql)' }
  if (found.major < MIN_MAJOR) {
    return { skip: `PostgreSQL ${found.major} is installed; Ledger needs ${MIN_MAJOR} or newer` }
  }
  if (process.getuid?.() !== 0) return found
  // initdb refuses to run as root.
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' })
  const uid = id('-u')
  const gid = id('-g')
  if (uid.status !== 0 || gid.status !== 0) {
    return { skip: 'the tests run as root and there is no postgres system user to run PostgreSQL as' }
  }
  if (spawnSync('sh', ['-c', 'command -v setpriv']).status !== 0) {
    return { skip: 'the tests run as root and setpriv (util-linux) is not installed to run PostgreSQL as postgres' }
  }
  return { ...found, runAs: { user: 'postgres', uid: Number(uid.stdout), gid: Number(gid.stdout) } }
}

/** Why PostgreSQL tests are skipped on this machine, or null when they run. */
export function postgresSkipReason(): string | null {
  const found = findPostgres()
  return 'skip' in found ? found.skip : null
}

/** A cluster made by `initdb`, never started: copied for each server. */
export interface Template {
  data: string
  /** The password of ADMIN. */
  password: string
}

/** The run's template cluster: `initdb` once, copied for each server. */
export function template(install: PostgresInstall): Template {
  const root = inject('tmpRoot')
  const dir = join(root, `postgres-${install.major}-template`)
  const read = (): Template => ({ data: join(dir, 'data'), password: readFileSync(join(dir, 'password'), 'utf8') })
  if (existsSync(join(dir, 'data'))) return read()
  const build = ownedTempDir('ledger-pg-initdb-', install)
  const password = randomBytes(18).toString('base64url')
  const pwfile = join(build, 'password')
  writeFileSync(pwfile, password, { mode: 0o600 })
  if (install.runAs) chownSync(pwfile, install.runAs.uid, install.runAs.gid)
  const init = run(install, 'initdb', [
    '--pgdata', join(build, 'data'),
    '--username', ADMIN,
    '--pwfile', pwfile,
    '--auth', 'scram-sha-256',
    '--encoding', 'UTF8',
    ...(hasLocale('C.UTF-8') ? ['--locale', 'C.UTF-8'] : ['--no-locale']),
    // The cluster is thrown away after the run: no need to flush initdb's files to disk.
    '--no-sync',
  ])
  if (init.status !== 0) {
    rmSync(build, { recursive: true, force: true })
    throw new Error(`initdb failed: ${init.stderr}${init.stdout}`)
  }
  try {
    // Atomic: two test workers may build one at once; the first rename wins.
    renameSync(build, dir)
  } catch {
    rmSync(build, { recursive: true, force: true })
  }
  return read()
}

/** A temp dir of the run that the server's user owns (and can reach). */
export function ownedTempDir(prefix: string, install: PostgresInstall): string {
  if (install.runAs) {
    // The run's temp dir is 0700 root: let the postgres user through (not list it).
    const root = inject('tmpRoot')
    chmodSync(root, statSync(root).mode | 0o011)
  }
  const dir = testTempDir(prefix)
  if (install.runAs) chownSync(dir, install.runAs.uid, install.runAs.gid)
  return dir
}

/** Runs one of the install's programs to its end, as the server's user. */
function run(install: PostgresInstall, program: string, args: string[]) {
  const [cmd, argv] = command(install, program, args)
  return spawnSync(cmd, argv, { encoding: 'utf8', env: serverEnv() })
}

/** The command line that runs one of the install's programs as the server's user. */
export function command(install: PostgresInstall, program: string, args: string[]): [string, string[]] {
  const path = join(install.bin, program)
  if (!install.runAs) return [path, args]
  // setpriv execs in place (no fork), so the pid we hold is the program's own.
  return [
    'setpriv',
    [`--reuid=${install.runAs.uid}`, `--regid=${install.runAs.gid}`, '--init-groups', '--', path, ...args],
  ]
}

/** The environment PostgreSQL's programs run in. */
export function serverEnv(): NodeJS.ProcessEnv {
  // English messages whatever the machine's locale; no PG* variables from the caller's shell.
  return { PATH: process.env['PATH'], LC_ALL: hasLocale('C.UTF-8') ? 'C.UTF-8' : 'C' }
}

let locales: string[] | undefined
/** The machine has this libc locale (`locale -a` spells C.UTF-8 as C.utf8). */
function hasLocale(name: string): boolean {
  const norm = (l: string) => l.toLowerCase().replace('utf-8', 'utf8')
  locales ??= (spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout ?? '').split('\n').map(norm)
  return locales.includes(norm(name))
}
