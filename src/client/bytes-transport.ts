import http from 'node:http'
import https from 'node:https'
import { LedgerConnectionError, type RawResponse } from './index.js'

/** Sends request bodies that are already bytes: the hot path of `ledger ingest`. */
export interface BytesTransport {
  readonly baseUrl: string
  request(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | null,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<RawResponse>
  close(): void
}

/**
 * Requests over `node:http` with a keep-alive agent, answering like `LedgerClient.raw()` (status,
 * flattened headers, parsed JSON body; `LedgerConnectionError` when the daemon cannot be
 * reached). Why not undici, as the client does: undici parses HTTP with a WebAssembly build of
 * llhttp, and once requests flow V8 recompiles that parser with TurboFan, which costs the
 * process 25–40 MB of resident memory for good; node's built-in parser costs nothing more.
 * `ledger ingest` runs next to the programs it logs for and keeps below 150 MB.
 */
export function nodeBytesTransport(options: {
  baseUrl: string
  credential?: string
  timeoutMs?: number
  maxSockets?: number
}): BytesTransport {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const base = new URL(baseUrl)
  const secure = base.protocol === 'https:'
  const mod = secure ? https : http
  const agent = new mod.Agent({ keepAlive: true, keepAliveMsecs: 5_000, maxSockets: options.maxSockets ?? 16 })
  const timeoutMs = options.timeoutMs ?? 30_000
  const auth = options.credential ? `Bearer ${options.credential}` : undefined

  function request(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | null,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const fail = (err: unknown) => reject(new LedgerConnectionError(baseUrl, err))
      const req = mod.request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: base.pathname.replace(/\/+$/, '') + path,
          method,
          agent,
          signal,
          timeout: timeoutMs,
          headers: {
            ...(auth ? { authorization: auth } : {}),
            ...headers,
            ...(body ? { 'content-length': String(body.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', fail)
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            const flat: Record<string, string> = {}
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v
            let parsed: unknown = null
            if (text.length > 0) {
              try {
                parsed = flat['content-type']?.includes('json') ? JSON.parse(text) : text
              } catch {
                parsed = text
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: flat, body: parsed })
          })
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)))
      req.on('error', fail)
      if (body) req.end(body)
      else req.end()
    })
  }

  return { baseUrl, request, close: () => agent.destroy() }
}
