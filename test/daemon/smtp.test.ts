import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerAccount, startTestDaemon, type TestDaemon, waitFor } from '../helpers/daemon.js'

/** A small SMTP server on loopback that records what it receives (a real protocol peer). */
function smtpServer() {
  const messages: Array<{ from: string; to: string; data: string; auth: string | null }> = []
  const server: Server = createServer((socket) => {
    socket.setEncoding('utf8')
    let buf = ''
    let inData = false
    let current = { from: '', to: '', data: '', auth: null as string | null }
    socket.write('220 test ESMTP\r\n')
    socket.on('data', (chunk: string) => {
      buf += chunk
      let i: number
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 2)
        if (inData) {
          if (line === '.') {
            inData = false
            messages.push(current)
            current = { from: '', to: '', data: '', auth: current.auth }
            socket.write('250 queued\r\n')
          } else current.data += `${line.replace(/^\.\./, '.')}\n`
        } else if (line.startsWith('EHLO')) socket.write('250-test\r\n250 AUTH PLAIN\r\n')
        else if (line.startsWith('AUTH PLAIN ')) {
          current.auth = Buffer.from(line.slice(11), 'base64').toString('utf8')
          socket.write('235 ok\r\n')
        } else if (line.startsWith('MAIL FROM:')) {
          current.from = line.slice(10)
          socket.write('250 ok\r\n')
        } else if (line.startsWith('RCPT TO:')) {
          current.to = line.slice(8)
          socket.write('250 ok\r\n')
        } else if (line === 'DATA') {
          inData = true
          socket.write('354 go ahead\r\n')
        } else if (line === 'QUIT') {
          socket.end('221 bye\r\n')
        } else socket.write('502 unknown\r\n')
      }
    })
  })
  return { server, messages }
}

describe('one-time codes delivered by SMTP (LEDGER_SMTP_URL)', () => {
  const smtp = smtpServer()
  let d: TestDaemon
  beforeAll(async () => {
    await new Promise<void>((resolve) => smtp.server.listen(0, '127.0.0.1', resolve))
    const port = (smtp.server.address() as { port: number }).port
    d = await startTestDaemon({ smtpUrl: `smtp://ledger:s3cret@127.0.0.1:${port}`, smtpFrom: 'codes@ledger.test' })
  })
  afterAll(async () => {
    await d.close()
    await new Promise((resolve) => smtp.server.close(resolve))
  })

  it('mails the code to the account, authenticated, and the mailed code logs in', async () => {
    const reg = await registerAccount(d.client)
    const r = await d.client.raw('POST', '/api/v1/accounts/verification/send-code', { body: { email: reg.email } })
    expect(r.status).toBe(202)
    const mail = await waitFor(() => smtp.messages.find((m) => m.to === `<${reg.email}>`), 10_000, 'the mail')
    expect(mail.from).toBe('<codes@ledger.test>')
    expect(mail.auth).toBe('\u0000ledger\u0000s3cret')
    expect(mail.data).toContain(`To: ${reg.email}`)
    const code = /code is (\d{6})/.exec(mail.data)?.[1]
    expect(code).toMatch(/^\d{6}$/)
    const ok = await d.client.raw('POST', '/api/v1/accounts/verification/verify-code', {
      body: { email: reg.email, code },
    })
    expect(ok.status).toBe(200)
  })
})
