import { describe, expect, test } from 'vitest'
import { LineMapper } from '../../../../src/cli/ingest/map-line.js'
import { makeZone } from '../../../../src/cli/ingest/zones.js'
import { mapLines, mapOne, READ_AT } from './map-lines.js'

// Plain text logs of the system and of servers: each line's own time, from where its format
// puts it. (Lines read on 2026-03-04T05:06:07.890Z; zoneless times in UTC unless said.)

describe('syslog', () => {
  // RFC 3164 section 5.4 and RFC 5424 section 6.5 examples.
  test('RFC 3164: no year (the latest one not after reading), the priority gives the level', () => {
    expect(mapOne("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")).toMatchObject({
      timestamp: '2025-10-11T22:14:15.000Z',
      level: 'critical',
    })
    expect(mapOne('Feb  5 17:32:18 10.0.0.99 myproc[1234]: %% It\'s time to make the do-nuts.').timestamp).toBe('2026-02-05T17:32:18.000Z')
  })

  test('RFC 5424: the version, an RFC 3339 time with fraction and zone', () => {
    expect(mapOne("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8")).toMatchObject({
      timestamp: '2003-10-11T22:14:15.003Z',
      level: 'critical',
    })
    expect(mapOne('<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It\'s time to make the do-nuts.').timestamp).toBe(
      '2003-08-24T12:14:15.000Z',
    )
  })

  test('across New Year: Dec 31 read on Jan 2 is last year; Jan 1 read a minute before midnight is next year', () => {
    const jan2 = Date.parse('2026-01-02T08:00:00Z')
    const dec31 = Date.parse('2025-12-31T23:59:00Z')
    const reader = (readAt: number, line: string) => new LineMapper({ time: { zone: makeZone('UTC') } }).toLog(line, readAt)!.timestamp
    expect(reader(jan2, 'Dec 31 23:59:58 host cron[1]: job done')).toBe('2025-12-31T23:59:58.000Z')
    expect(reader(jan2, 'Jan  2 07:59:00 host cron[1]: job done')).toBe('2026-01-02T07:59:00.000Z')
    expect(reader(dec31, 'Jan  1 00:00:05 host ntpd[1]: clock ahead')).toBe('2026-01-01T00:00:05.000Z')
    expect(reader(dec31, 'Mar  3 10:00:00 host app[1]: old')).toBe('2025-03-03T10:00:00.000Z')
  })

  test('journalctl -o short-iso: an offset without a colon', () => {
    expect(mapOne('2025-10-17T12:00:00+0200 host sshd[812]: Accepted publickey for me').timestamp).toBe('2025-10-17T10:00:00.000Z')
  })
})

describe('web servers', () => {
  // https://httpd.apache.org/docs/2.4/logs.html: the Common Log Format example.
  test('Apache / nginx access log: the bracketed time, with its offset', () => {
    const log = mapOne('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326')
    expect(log).toMatchObject({ timestamp: '2000-10-10T20:55:36.000Z', message: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326' })
    expect(mapOne('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', { stripTimestamp: true }).message).toBe(
      '127.0.0.1 - frank "GET /apache_pb.gif HTTP/1.0" 200 2326',
    )
  })

  test('Apache error log: ctime in brackets, with microseconds', () => {
    expect(mapOne('[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187] File does not exist: /usr/local/apache2/htdocs/favicon.ico')).toMatchObject({
      timestamp: '2011-09-09T10:42:29.902Z',
      level: 'error',
    })
  })

  test('nginx error log: slashes in the date', () => {
    expect(mapOne('2025/10/17 10:00:00 [error] 1234#1234: *1 open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)')).toMatchObject({
      timestamp: '2025-10-17T10:00:00.000Z',
      level: 'error',
    })
  })
})

describe('the system', () => {
  test('dmesg: seconds since boot, from the boot time', () => {
    const boot = Date.parse('2026-03-04T04:00:00Z')
    const log = mapOne('[   12.345678] usb 1-1: new high-speed USB device number 2 using xhci_hcd', { time: { zone: makeZone('UTC'), bootTime: () => boot } })
    expect(log.timestamp).toBe('2026-03-04T04:00:12.346Z')
    // dmesg -T: ctime in brackets.
    expect(mapOne('[Tue Mar  3 09:15:02 2026] usb 1-1: USB disconnect, device number 2').timestamp).toBe('2026-03-03T09:15:02.000Z')
  })

  test('dpkg.log and apt term.log: local time without a zone (--timezone)', () => {
    const line = '2025-10-17 10:00:00 status installed libc-bin:amd64 2.36-9+deb12u4'
    expect(mapOne(line).timestamp).toBe('2025-10-17T10:00:00.000Z')
    expect(mapOne(line, { time: { zone: makeZone('Europe/Paris') } }).timestamp).toBe('2025-10-17T08:00:00.000Z')
    expect(mapOne(line, { time: { zone: makeZone('America/New_York') } }).timestamp).toBe('2025-10-17T14:00:00.000Z')
    expect(mapOne(line, { time: { zone: makeZone('+05:30') } }).timestamp).toBe('2025-10-17T04:30:00.000Z')
    expect(mapOne(line, { stripTimestamp: true }).message).toBe('status installed libc-bin:amd64 2.36-9+deb12u4')
  })

  test('Ruby Logger: the time after the severity letter', () => {
    expect(mapOne('E, [2025-10-17T10:00:00.123456 #1234] ERROR -- : something broke')).toMatchObject({ timestamp: '2025-10-17T10:00:00.123Z', level: 'error' })
  })

  test('a line without a time keeps the time it was read', () => {
    expect(mapLines('just some output\n10:00:00 not a date').map((l) => l.timestamp)).toEqual([
      new Date(READ_AT).toISOString(),
      new Date(READ_AT).toISOString(),
    ])
  })
})
