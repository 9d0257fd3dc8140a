import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'

const KEYLEN = 32
const R = 8
const P = 1

function scrypt(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128·N·r (128 MiB at N=2^17); Node's default of 32 MiB throws.
    scryptCb(password, salt, KEYLEN, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })
}

/** Limits concurrent hashes: each takes ~128 MiB and ~0.7 s, so a login flood queues instead. */
class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.active++
    try {
      return await fn()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }
}

export interface PasswordCheck {
  ok: boolean
  /** The stored hash uses weaker parameters than the current ones: store a new hash. */
  needsRehash: boolean
}

/** scrypt password hashing; the parameters are stored with each hash (`scrypt$logN$r$p$salt$hash`). */
export class PasswordHasher {
  private readonly gate = new Semaphore(2)
  private dummy: Promise<string> | undefined

  constructor(private readonly logN: number) {}

  hash(password: string): Promise<string> {
    return this.gate.run(async () => {
      const salt = randomBytes(16)
      const key = await scrypt(password, salt, this.logN, R, P)
      return ['scrypt', this.logN, R, P, salt.toString('base64'), key.toString('base64')].join('$')
    })
  }

  verify(password: string, stored: string): Promise<PasswordCheck> {
    const [scheme, logN, r, p, salt, key] = stored.split('$')
    if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !key)
      return Promise.resolve({ ok: false, needsRehash: false })
    return this.gate.run(async () => {
      const expected = Buffer.from(key, 'base64')
      const actual = await scrypt(password, Buffer.from(salt, 'base64'), Number(logN), Number(r), Number(p))
      const ok = actual.length === expected.length && timingSafeEqual(actual, expected)
      return { ok, needsRehash: ok && (Number(logN) < this.logN || Number(r) < R) }
    })
  }

  /** Spends the same work as a real check, for an unknown email: same time, same answer. */
  async verifyAgainstDummy(password: string): Promise<void> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'))
    await this.verify(password, await this.dummy)
  }
}
