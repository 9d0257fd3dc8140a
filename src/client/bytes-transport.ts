import type { LedgerClient, RawResponse } from './index.js'

/**
 * Sends request bodies that are already bytes: the hot path of `ledger ingest` (the shipper's
 * only way out, so its tests can watch and break it).
 */
export interface BytesTransport {
  readonly baseUrl: string
  request(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | null,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<RawResponse>
  close(): Promise<void>
}

/** The transport of a client: its connections and its credential, answering like `raw()`. */
export function clientBytesTransport(client: LedgerClient): BytesTransport {
  return {
    baseUrl: client.baseUrl,
    request: (method, path, body, headers, signal) =>
      client.raw(method, path, { ...(body ? { rawBody: body } : {}), headers, ...(signal ? { signal } : {}) }),
    close: () => client.close(),
  }
}
