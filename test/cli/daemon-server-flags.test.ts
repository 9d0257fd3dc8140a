import { describe, expect, it } from 'vitest'
import { serverFlagsToArgs, serverFlagsToConfig } from '../../src/cli/flags/daemon-server.js'

describe('the daemon server flags', () => {
  it('daemon start passes --host, --allowed-hosts and --trust-proxy on to daemon run only when they were given', () => {
    expect(serverFlagsToArgs({ port: 8000 })).toEqual(['--port', '8000'])
    expect(
      serverFlagsToArgs({ port: 0, host: '0.0.0.0', 'allowed-hosts': 'ledger.example.com', 'trust-proxy': '10.0.0.0/8' }),
    ).toEqual(['--port', '0', '--host', '0.0.0.0', '--allowed-hosts', 'ledger.example.com', '--trust-proxy', '10.0.0.0/8'])
  })

  it('daemon run hands them to the config by name, leaving unset ones to the environment', () => {
    const config = serverFlagsToConfig({ port: 0, 'allowed-hosts': 'a.example,b.example:81', 'trust-proxy': '2' })
    expect(config).toMatchObject({ port: 0, host: undefined, allowedHosts: 'a.example,b.example:81', trustProxy: '2' })
  })
})
