// Log rows shared by every part of the benchmark, so each part stores the same data.
const LEVELS = ['debug', 'info', 'info', 'info', 'warning', 'error']
const WORDS = [
  'request',
  'served',
  'user',
  'cache',
  'miss',
  'timeout',
  'connection',
  'refused',
  'retry',
  'payment',
]

/** `n` API-shaped logs starting at sequence `offset`, timestamps increasing (a live app). */
export function makeLogs(n, offset = 0, baseMs = Date.parse('2026-01-01T00:00:00Z')) {
  const logs = new Array(n)
  for (let i = 0; i < n; i++) {
    const k = offset + i
    const level = LEVELS[k % LEVELS.length]
    logs[i] = {
      timestamp: new Date(baseMs + k * 10).toISOString(),
      level,
      log_type: level === 'error' ? 'exception' : 'logger',
      importance: level === 'error' ? 'high' : 'standard',
      message: `${WORDS[k % 10]} ${WORDS[(k * 7) % 10]} ${WORDS[(k * 3) % 10]} #${k} in ${k % 97} ms${k % 5000 === 17 ? ' deadlock detected' : ''}`,
      error_type: level === 'error' ? 'TimeoutError' : null,
      error_message: level === 'error' ? `upstream timed out after ${k % 30} s` : null,
      environment: 'production',
      release: 'v1.2.3',
      attributes: { request_id: `req_${k}`, user_id: String(k % 1000), path: `/api/items/${k % 50}` },
    }
  }
  return logs
}

const SEVERITY = { debug: 5, info: 9, warning: 13, error: 17 }
const kv = (key, value) => ({ key, value: { stringValue: value } })

/** The same logs as `makeLogs` as an OTLP ExportLogsServiceRequest (plain object, camelCase). */
export function makeOtlpRequest(n, offset = 0) {
  const logRecords = makeLogs(n, offset).map((l) => ({
    timeUnixNano: String(BigInt(Date.parse(l.timestamp)) * 1_000_000n),
    severityNumber: SEVERITY[l.level],
    body: { stringValue: l.message },
    attributes: [
      kv('request_id', l.attributes.request_id),
      kv('user_id', l.attributes.user_id),
      kv('path', l.attributes.path),
      ...(l.error_type ? [kv('exception.type', l.error_type), kv('exception.message', l.error_message)] : []),
    ],
  }))
  const resource = {
    attributes: [kv('service.name', 'bench'), kv('deployment.environment.name', 'production'), kv('service.version', 'v1.2.3')],
  }
  return { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'bench' }, logRecords }] }] }
}
