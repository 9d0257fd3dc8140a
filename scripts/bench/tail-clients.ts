// Live tails for `npm run bench -- tails`, in a process of their own (their reading costs the
// machine what a real reader would, but not the load generator's or the driver's time).
// Input: JSON in argv[2] (TailClientsOptions). Prints "ready\n" once every tail has its
// greeting; on "counts" on stdin, prints the events each kind of tail has received so far as
// one line of JSON (TailCounts); on "stop", prints them and exits.
import { Agent, request, type ClientRequest } from 'node:http'

/** The tails to open: each its name (a kind of tail) and its query string's parameters. */
export interface TailClientsOptions {
  url: string
  /** An API key with the `read` scope. */
  key: string
  tails: ReadonlyArray<{ name: string; query: Record<string, string> }>
}

/** For each kind of tail: how many are open and the events they have received in all. */
export type TailCounts = Record<string, { tails: number; events: number }>

/** Opens the tails and answers on stdin as the header says. */
function main(opts: TailClientsOptions): void {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
  const counts: TailCounts = {}
  const requests: ClientRequest[] = []
  let connected = 0

  for (const t of opts.tails) {
    const count = (counts[t.name] ??= { tails: 0, events: 0 })
    count.tails++
    const url = new URL(`${opts.url}/api/v1/logs/tail?${new URLSearchParams(t.query)}`)
    const req = request(url, { agent, headers: { authorization: `Bearer ${opts.key}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        process.stderr.write(`tail ${t.name}: HTTP ${res.statusCode}\n`)
        process.exit(1)
      }
      res.setEncoding('utf8')
      let greeted = false
      // The end of the previous chunk: an event's `id:` line may start in one and end in the next.
      let carry = ''
      res.on('data', (chunk: string) => {
        if (!greeted && chunk.includes(': connected')) {
          greeted = true
          if (++connected === opts.tails.length) process.stdout.write('ready\n')
        }
        // Every event starts with an `id:` line, after the blank line that ends the one before.
        const text = carry + chunk
        for (let i = text.indexOf('\nid: '); i >= 0; i = text.indexOf('\nid: ', i + 1)) count.events++
        carry = text.slice(-4)
      })
    })
    req.on('error', (err) => {
      process.stderr.write(`tail ${t.name}: ${err.message}\n`)
      process.exit(1)
    })
    req.end()
    requests.push(req)
  }

  process.stdin.setEncoding('utf8')
  process.stdin.on('data', (d: string) => {
    if (d.includes('counts')) process.stdout.write(`${JSON.stringify(counts)}\n`)
    if (!d.includes('stop')) return
    for (const r of requests) r.destroy()
    process.stdout.write(`${JSON.stringify(counts)}\n`)
    process.exit(0)
  })
}

if (!process.argv[2]) throw new Error('usage: tail-clients.js <options as JSON> (see TailClientsOptions)')
main(JSON.parse(process.argv[2]) as TailClientsOptions)
