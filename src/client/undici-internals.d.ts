// The three undici modules src/client/undici-agent.ts loads directly (CommonJS; the default
// import is module.exports).
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici'
  const dispatcher: typeof Dispatcher
  export default dispatcher
}
declare module 'undici/lib/api/index.js' {
  import type { Dispatcher } from 'undici'
  const api: Partial<Dispatcher>
  export default api
}
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici'
  const agent: typeof Agent
  export default agent
}
