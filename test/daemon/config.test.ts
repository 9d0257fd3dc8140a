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

describe('loadConfig: serving a team (--host, --allowed-hosts, --trust-proxy)', () => {
  const home = { LEDGER_HOME: '/tmp/ledger-config-test' }

  test('LEDGER_HOST, LEDGER_ALLOWED_HOSTS and LEDGER_TRUST_PROXY apply; the flags win over them', () => {
    const env = { ...home, LEDGER_HOST: '0.0.0.0', LEDGER_ALLOWED_HOSTS: 'ledger.example.com, LB.example.com:8443,', LEDGER_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }
    const c = loadConfig({ port: 0 }, env)
    expect(c.host).toBe('0.0.0.0')
    expect(c.allowedHosts).toEqual(['ledger.example.com', 'LB.example.com:8443'])
    expect(c.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1'])
    const flags = loadConfig({ port: 0, host: '::', allowedHosts: 'a.example', trustProxy: 'true' }, env)
    expect([flags.host, flags.allowedHosts, flags.trustProxy]).toEqual(['::', ['a.example'], true])
  })

  test('defaults: loopback only, no other name, no proxy believed', () => {
    const c = loadConfig({ port: 0 }, home)
    expect([c.host, c.allowedHosts, c.trustProxy]).toEqual(['127.0.0.1', [], false])
  })

  test.each([
    ['true', true],
    ['FALSE', false],
    ['0', 0],
    ['2', 2],
    ['loopback, uniquelocal', ['loopback', 'uniquelocal']],
    ['fd00::/8,::1,192.168.1.1/32', ['fd00::/8', '::1', '192.168.1.1/32']],
  ] as const)('--trust-proxy %s', (text, expected) => {
    expect(loadConfig({ port: 0, trustProxy: text }, home).trustProxy).toEqual(expected)
  })

  test.each([
    ['trustProxy', 'yes', /trustProxy 'yes' is not an IP address or CIDR range/],
    ['trustProxy', '10.0.0.0/33', /'10.0.0.0\/33' is not an IP address/],
    ['trustProxy', '101', /number of hops \(0-100\)/],
    ['allowedHosts', 'ledger.example.com,evil.com@x', /allowedHosts must be a comma-separated list of host or host:port/],
    ['allowedHosts', 'a.example:99999', /allowedHosts must be/],
  ] as const)('refuses %s=%s with a message naming it', (key, value, message) => {
    expect(() => loadConfig({ port: 0, [key]: value }, home)).toThrow(message)
  })
})
