import { createServer } from 'node:net'

/**
 * A TCP port of 127.0.0.1 that was free a moment ago (the system picked it, then it was closed):
 * for servers that cannot pick their own (Redis, PostgreSQL restarted on its port) and for a
 * port nothing listens on. Another process may take it meanwhile: callers that bind it retry.
 */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}
