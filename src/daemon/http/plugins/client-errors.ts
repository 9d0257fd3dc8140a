import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

/** A refused connection is read (and dropped) until its client is silent this long… */
const LINGER_IDLE_MS = 2_000
/** …or for this long at most, then closed. */
const LINGER_MAX_MS = 30_000

/** An error Node's HTTP parser raises: llhttp's code (`HPE_…`) and reason. */
type ParseError = NodeJS.ErrnoException & { reason?: string }

/** The status and detail for a request Node's parser refused. */
function describe(err: ParseError): { status: number; detail: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, detail: 'Request line or headers are too large (the limit is 16 KiB in all)' }
    case 'HPE_INVALID_METHOD':
      return { status: 501, detail: 'Unknown HTTP method' }
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_STRICT':
    case 'HPE_CB_CHUNK_COMPLETE':
      return { status: 400, detail: `Malformed chunked body: ${err.reason ?? err.message}` }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, detail: 'The request was not received in time' }
    default:
      return { status: 400, detail: `Malformed HTTP request: ${err.reason ?? err.message}` }
  }
}

const handled = new WeakSet<Socket>()

/**
 * Answers what Node's HTTP parser refuses before a route exists (a bad request line, an unknown
 * method, headers over the size limit, malformed chunked encoding) with the API's
 * `{"detail": …}` and the right status, then closes the connection gently (`linger`).
 */
export function clientErrorHandler(err: ParseError, socket: Socket): void {
  // The parser raises again on every later chunk of a refused connection: answer once.
  if (handled.has(socket)) return
  handled.add(socket)
  if (err.code === 'ECONNRESET' || socket.destroyed) {
    socket.destroy()
    return
  }
  const { status, detail } = describe(err)
  const body = JSON.stringify({ detail })
  // A request already routed (its body was malformed): answer on its own response, unless
  // that has started; the route's reading of the body then ends with the connection.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (inFlight) {
    if (inFlight.headersSent || !socket.writable) {
      socket.destroy()
      return
    }
    inFlight.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    })
    // Node then ends the connection with destroySoon: make that a lingering close.
    ;(socket as Socket & { destroySoon?: () => void }).destroySoon = () => linger(socket)
    inFlight.end(body)
    return
  }
  if (!socket.writable) {
    socket.destroy()
    return
  }
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
  linger(socket)
}

/**
 * Closes a connection whose client may still be sending, without a reset: sends a FIN, then
 * keeps reading and dropping what comes until the client closes its side, is silent for 2 s,
 * or 30 s have passed (Apache's "lingering close"). Closing a socket with unread data sends
 * a TCP reset, and a client still writing its body then loses the answer it was sent.
 */
export function linger(socket: Socket): void {
  if (socket.destroyed) return
  const close = () => socket.destroy()
  const timer = setTimeout(close, LINGER_MAX_MS)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
  socket.once('end', close)
  socket.on('error', close)
  socket.setTimeout(LINGER_IDLE_MS, close)
  if (!socket.writableEnded) socket.end()
  socket.resume()
}

/**
 * For an answer sent before the request's body was read (Fastify closes such connections:
 * 413, 415, a malformed body): the rest of the body is read and dropped, and once the answer
 * is out the connection is closed by `linger` instead of at once. Without it a client still
 * sending a large body often saw a connection reset instead of its 413.
 */
export function closeAfterResponse(req: IncomingMessage): void {
  if (req.complete) return
  // Stop feeding a decoder (gunzip) whose reader is gone: the rest is dropped, not inflated.
  req.unpipe()
  req.resume()
  const socket = req.socket as Socket & { destroySoon?: () => void }
  // Node ends a `Connection: close` response with socket.destroySoon(), which destroys the
  // socket as soon as the answer is written.
  socket.destroySoon = () => linger(socket)
}

/**
 * Fastify's own refusals before routing (a path whose percent-encoding is invalid, a path
 * parameter over 100 characters), in the API's error shape.
 */
export function frameworkErrors(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400
  let detail = error.message
  if (error.code === 'FST_ERR_BAD_URL') detail = 'Malformed URL: the path has an invalid percent-encoding'
  else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') detail = 'A path parameter is longer than 100 characters'
  else if (status >= 500) detail = 'Internal server error'
  void reply.code(status).send({ detail })
}
