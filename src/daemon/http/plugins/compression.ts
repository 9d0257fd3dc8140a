import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { ApiError } from '../api-error.js'

/**
 * Accepts `Content-Encoding: gzip` request bodies. The body limit applies to the decompressed
 * bytes (a small gzip bomb still gets 413), and corrupt gzip data is a 400.
 */
export function registerCompression(app: FastifyInstance): void {
  app.addHook('preParsing', async (req, _reply, payload) => {
    const encoding = req.headers['content-encoding']?.trim().toLowerCase()
    if (!encoding || encoding === 'identity') return payload
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      throw new ApiError(415, `Content-Encoding '${encoding}' is not supported; send gzip or no encoding`)
    }
    const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number }
    // Fastify checks Content-Length against this (the compressed size), not the inflated bytes.
    gunzip.receivedEncodedLength = 0
    payload.on('data', (chunk: Buffer) => {
      gunzip.receivedEncodedLength += chunk.length
    })
    payload.on('error', (err) => gunzip.destroy(err))
    gunzip.on('error', (err: Error & { statusCode?: number }) => {
      err.statusCode ??= 400
      err.message = `Content-Encoding gzip: body is not valid gzip data (${err.message})`
    })
    payload.pipe(gunzip)
    return gunzip as unknown as Readable & typeof payload
  })
}
