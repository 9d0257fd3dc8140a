import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'

/** One message to send. */
export interface Mail {
  from: string
  to: string
  subject: string
  text: string
}

/**
 * Sends one message over SMTP: `smtp://[user:pass@]host[:port]` (plain, port 25 by default)
 * or `smtps://…` (TLS, 465). EHLO, AUTH PLAIN when credentials are given, MAIL, RCPT, DATA,
 * QUIT. Rejects on any reply outside 2xx/3xx, or after `timeoutMs`.
 */
export function sendMail(url: string, mail: Mail, timeoutMs = 10_000): Promise<void> {
  const u = new URL(url)
  const secure = u.protocol === 'smtps:'
  if (!secure && u.protocol !== 'smtp:') return Promise.reject(new Error(`unsupported SMTP URL scheme ${u.protocol}`))
  const port = Number(u.port || (secure ? 465 : 25))
  const socket: Socket = secure ? tlsConnect({ host: u.hostname, port, servername: u.hostname }) : netConnect({ host: u.hostname, port })
  socket.setEncoding('utf8')
  socket.setTimeout(timeoutMs)

  let buffer = ''
  const waiting: Array<{ resolve: (reply: string) => void; reject: (e: Error) => void }> = []
  const failAll = (err: Error) => {
    for (const w of waiting.splice(0)) w.reject(err)
  }
  socket.on('data', (chunk: string) => {
    buffer += chunk
    // A reply ends with a line "NNN text" (a "NNN-" line means more follow).
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(buffer)
      if (!m) break
      buffer = buffer.slice(m[0].length)
      waiting.shift()?.resolve(m[0])
    }
  })
  socket.on('timeout', () => {
    failAll(new Error('SMTP server timed out'))
    socket.destroy()
  })
  socket.on('error', (err) => failAll(err))
  socket.on('close', () => failAll(new Error('SMTP connection closed')))

  const reply = () => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }))
  const expect = async (line: string | null, ok: RegExp) => {
    const r = reply()
    if (line !== null) socket.write(`${line}\r\n`)
    const text = await r
    if (!ok.test(text)) throw new Error(`SMTP: ${line?.split(' ')[0] ?? 'greeting'} refused: ${text.trim()}`)
    return text
  }
  const addr = (a: string) => `<${a.replace(/[<>\r\n]/g, '')}>`
  const header = (v: string) => v.replace(/[\r\n]+/g, ' ')

  return (async () => {
    try {
      await expect(null, /^220/)
      await expect('EHLO ledger', /^250/)
      if (u.username) {
        const token = Buffer.from(`\u0000${decodeURIComponent(u.username)}\u0000${decodeURIComponent(u.password)}`).toString('base64')
        await expect(`AUTH PLAIN ${token}`, /^235/)
      }
      await expect(`MAIL FROM:${addr(mail.from)}`, /^250/)
      await expect(`RCPT TO:${addr(mail.to)}`, /^25[01]/)
      await expect('DATA', /^354/)
      // Dot-stuffing: a line starting with '.' gets a second one.
      const body = mail.text.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')
      const message = [
        `From: ${header(mail.from)}`,
        `To: ${header(mail.to)}`,
        `Subject: ${header(mail.subject)}`,
        `Date: ${new Date().toUTCString()}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        body,
        '.',
      ].join('\r\n')
      await expect(message, /^250/)
      socket.write('QUIT\r\n')
    } finally {
      socket.end()
    }
  })()
}
