import { describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/daemon/config.js'

describe('loadConfig', () => {
  const env = { LEDGER_HOME: '/tmp/ledger-config-test', LEDGER_QUEUE_CAPACITY: '1500', LEDGER_DURABILITY: 'full' }

  test('an environment variable applies when its flag is left unset (as `daemon run` passes it: undefined)', () => {
    const c = loadConfig({ port: 0, host: '127.0.0.1', durability: undefined, queueCapacity: undefined }, env)
    expect(c.queueCapacity).toBe(1500)
    expect(c.durability).toBe('full')
  })

  test('a flag that is set wins over its environment variable', () => {
    const c = loadConfig({ port: 0, durability: 'normal', queueCapacity: 7 }, env)
    expect(c.queueCapacity).toBe(7)
    expect(c.durability).toBe('normal')
  })
})
