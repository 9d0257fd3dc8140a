import { afterAll, beforeAll } from 'vitest'

/**
 * A server for the test file (or describe block): started in beforeAll, stopped in afterAll.
 * Returns an accessor for it (valid inside tests and hooks). `what` names it in the error.
 */
export function useServer<S extends { stop(): Promise<void> }>(what: string, start: () => Promise<S>): () => S {
  let server: S | undefined
  beforeAll(async () => {
    server = await start()
  })
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (!server) throw new Error(`the ${what} server is not started (use it inside tests or hooks)`)
    return server
  }
}
