import { setFlagsFromString } from 'node:v8'
import type { Agent as UndiciAgent, Dispatcher } from 'undici'
// undici's Agent and its request API, without the rest of undici (fetch, WebSocket, mocks,
// cache stores): `import 'undici'` costs a CLI command ~100 ms of start-up, these ~30 ms, and
// ~15 ms once bundled (scripts/bundle-cli.js). It is what undici's own index does for these two
// pieces. The lockfile pins undici; should a release move these files, the build fails.
import dispatcher from 'undici/lib/dispatcher/dispatcher.js'
import api from 'undici/lib/api/index.js'
import agent from 'undici/lib/dispatcher/agent.js'

let ready = false

/** undici's `Agent` class, with the request API on its prototype. */
export function Agent(): typeof UndiciAgent {
  if (!ready) {
    ready = true
    // undici parses HTTP with llhttp compiled to WebAssembly (on the first connection). V8
    // compiles it twice: at once with its baseline compiler, then again with TurboFan in the
    // background, and a short process waits ~100 ms at exit for that second compile (and holds
    // ~30 MB more). The baseline code parses the client's few responses just as well. (The CLI's
    // loader, bin/load-bundle.js, sets it before anything compiles; this is for the client
    // loaded from dist/: the TUI, the tests, the benchmark.)
    setFlagsFromString('--liftoff-only')
    const proto = dispatcher.prototype as Partial<Dispatcher>
    if (typeof proto.request !== 'function') Object.assign(proto, api)
  }
  return agent
}
