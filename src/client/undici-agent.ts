import { createRequire } from 'node:module'
import { setFlagsFromString } from 'node:v8'
import type { Agent as UndiciAgent, Dispatcher } from 'undici'

const require = createRequire(import.meta.url)

let agentClass: typeof UndiciAgent | undefined

/**
 * undici's `Agent`, with the request API on it, loaded without the rest of undici (fetch,
 * WebSocket, mocks, cache stores): `import 'undici'` costs a CLI command ~100 ms of start-up,
 * this ~30 ms. It is what undici's own index does for these two pieces; should a release move
 * its files, the whole package is loaded instead.
 */
export function Agent(): typeof UndiciAgent {
  if (agentClass) return agentClass
  // undici parses HTTP with llhttp compiled to WebAssembly. V8 compiles it twice: at once with
  // its baseline compiler, then again with TurboFan in the background, and a short process
  // waits ~100 ms at exit for that second compile (and holds ~30 MB more). The baseline code
  // parses the client's few responses just as well.
  setFlagsFromString('--liftoff-only')
  try {
    const dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: Dispatcher }
    const api = require('undici/lib/api/index.js') as Partial<Dispatcher>
    if (typeof (dispatcher.prototype as Partial<Dispatcher>).request !== 'function') Object.assign(dispatcher.prototype, api)
    agentClass = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent
  } catch {
    agentClass = (require('undici') as { Agent: typeof UndiciAgent }).Agent
  }
  return agentClass
}
