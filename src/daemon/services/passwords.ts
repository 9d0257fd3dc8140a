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

/** Hashes run at once: each takes ~128 MiB and ~0.7 s of a core. */
const CONCURRENT_HASHES = 2

/** Thrown, at once, when more hashes are already pending than the daemon takes. */
export class HasherBusyError extends Error {
  constructor(
    /** Whole seconds after which the queue has likely drained. */
    readonly retryAfter: number,
  ) {
    super('Too many password checks are in progress')
    this.name = 'HasherBusyError'
  }
}

/**
 * Runs at most `limit` hashes at once and lets at most `maxPending` (running + waiting) in at
 * all: past it, a request is refused at once rather than queued behind a flood, so a real
 * login waits for a few hashes at worst, never for minutes of bogus ones.
 */
class HashGate {
  private active = 0
  private readonly waiting: Array<() => void> = []
  /** A running estimate of one hash's duration (ms), for Retry-After. */
  private hashMs = 700

  constructor(
    private readonly limit: number,
    private readonly maxPending: number,
  ) {}

  get pending(): number {
    return this.active + this.waiting.length
  }

  /** Runs `fn` in its turn; rejects at once (HasherBusyError) when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.pending >= this.maxPending) {
      throw new HasherBusyError(Math.max(1, Math.ceil(((this.pending / this.limit) * this.hashMs) / 1000)))
    }
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.active++
    const started = performance.now()
    try {
      return await fn()
    } finally {
      this.hashMs = 0.8 * this.hashMs + 0.2 * (performance.now() - started)
      // The slot passes straight to the next waiter: `active` never drops below what runs.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
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
  private readonly gate: HashGate
  private dummy: Promise<string> | undefined

  /** `maxPending`: hashes running or waiting before new ones are refused (HasherBusyError). */
  constructor(
    private readonly logN: number,
    maxPending = 6,
  ) {
    this.gate = new HashGate(CONCURRENT_HASHES, Math.max(1, maxPending))
  }

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
    if (!this.dummy) {
      // Made once; a refused attempt (busy) is not kept, the next call tries again.
      const made = this.hash(randomBytes(16).toString('hex'))
      this.dummy = made
      made.catch(() => {
        if (this.dummy === made) this.dummy = undefined
      })
    }
    await this.verify(password, await this.dummy)
  }
}
