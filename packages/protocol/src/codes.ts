/**
 * Every error code that crosses the wire from the edge to a device: in an
 * error frame or control `error`, a `helloRefused`, or an HTTP error body
 * `{ statusCode, code, error, message }`. One registry, so a client can
 * match on any code it may meet and an HTTP route answers each with one
 * status. Codes that never leave a process (the CLI's, the planner's, the
 * trainer's) stay in their package's errors.ts.
 *
 * `status` is the HTTP status an HTTP route answers the code with; codes
 * that only travel in frames and control messages have none.
 */
export const WIRE_CODES = Object.freeze({
  // Frames and control messages that do not parse (packages/protocol).
  EDGENT_ERR_FRAME_TRUNCATED: { meaning: 'fewer bytes than the header or the declared payload' },
  EDGENT_ERR_FRAME_BAD_MAGIC: { meaning: "the first 4 bytes are not 'EDGT'" },
  EDGENT_ERR_FRAME_BAD_VERSION: { meaning: 'a protocol version the edge does not speak' },
  EDGENT_ERR_FRAME_BAD_TYPE: { meaning: 'an unknown message type code' },
  EDGENT_ERR_FRAME_BAD_DTYPE: { meaning: 'an unknown dtype code' },
  EDGENT_ERR_FRAME_BAD_RANK: { meaning: 'rank above 6, or a dim beyond the rank not zero' },
  EDGENT_ERR_FRAME_BAD_QUANT: { meaning: 'an int8 scale or zero point out of range' },
  EDGENT_ERR_FRAME_BAD_FIELD: { meaning: 'another header field out of range' },
  EDGENT_ERR_FRAME_LENGTH_MISMATCH: { meaning: 'the payload length is not shape x dtype size' },
  EDGENT_ERR_FRAME_TOO_LARGE: { meaning: 'a payload above the limit the hello announced' },
  EDGENT_ERR_TENSOR_SHAPE_MISMATCH: { meaning: 'a payload that does not fit its shape' },
  EDGENT_ERR_TENSOR_BAD_QUANT: { meaning: 'int8 without a usable scale and zero point' },
  EDGENT_ERR_CONTROL_TOO_LARGE: { meaning: 'a control message longer than the limit' },
  EDGENT_ERR_CONTROL_BAD_JSON: { meaning: 'a control message that is not a JSON object' },
  EDGENT_ERR_CONTROL_BAD_TYPE: { meaning: 'a control message of no known type' },
  EDGENT_ERR_CONTROL_INVALID: { meaning: 'a control message field that fails its schema' },
  // The session (apps/edge/src/session.ts, connection.ts).
  EDGENT_ERR_NO_HELLO: { meaning: 'a frame before the hello' },
  EDGENT_ERR_MODEL_MISMATCH: { meaning: 'a model the edge does not serve (hello or frame)' },
  EDGENT_ERR_UNEXPECTED_MESSAGE: { meaning: 'a message the edge does not take at that point' },
  EDGENT_ERR_TOO_MANY_IN_FLIGHT: { meaning: 'more requests in flight than the hello allowed' },
  EDGENT_ERR_BATCH_TOO_LARGE: { meaning: 'more examples in a frame than allowed (close 1008)' },
  EDGENT_ERR_BACKLOG: { meaning: 'more bytes queued on the connection than allowed (close 1008)' },
  EDGENT_ERR_GOING_AWAY: { status: 503, meaning: 'the edge drains for shutdown (close 1001)' },
  EDGENT_ERR_TIMEOUT: { meaning: 'no answer within the request timeout' },
  EDGENT_ERR_INTERNAL: { status: 500, meaning: 'the edge failed in a way it has no code for' },
  // Running a request (apps/edge/src/pool/).
  EDGENT_ERR_BUSY: { meaning: 'every worker busy and the queue full' },
  EDGENT_ERR_CLOSED: { meaning: 'the session or the pool closed before the answer' },
  EDGENT_ERR_WORKER_FAILED: { meaning: 'the worker running the request died' },
  EDGENT_ERR_BAD_EXIT: { meaning: 'an exit the model does not have' },
  EDGENT_ERR_BAD_PARTITION: { meaning: "a partition outside the exit's path" },
  EDGENT_ERR_BAD_INPUT_SHAPE: { meaning: 'a tensor shape the partition does not take' },
  EDGENT_ERR_BAD_DTYPE: { meaning: 'a dtype the partition does not take (uint8, jpeg: p = 0)' },
  // The link emulator and the profile (session control messages).
  EDGENT_ERR_NO_LINK: { meaning: 'this edge does not emulate links' },
  EDGENT_ERR_BAD_LINK: { meaning: 'a link setting the emulator cannot use' },
  EDGENT_ERR_NO_TRACE: { meaning: 'no trace of that name' },
  EDGENT_ERR_TRACE_UNREADABLE: { meaning: 'a trace entry that cannot be read' },
  EDGENT_ERR_NO_PROFILE: { meaning: 'the edge has no latency profile (yet)' },
  // HTTP routes (apps/edge/src/routes/, app.ts, security.ts).
  EDGENT_ERR_BAD_QUERY: { status: 400, meaning: 'a query parameter out of range' },
  EDGENT_ERR_UNAUTHORIZED: { status: 401, meaning: 'an admin route without the token' },
  EDGENT_ERR_ORIGIN: { status: 403, meaning: 'a page of another origin' },
  EDGENT_ERR_HOST_NOT_ALLOWED: { status: 403, meaning: 'a Host the edge does not answer to' },
  EDGENT_ERR_NO_MODEL: { status: 404, meaning: 'no such model, or its folder has no manifest' },
  EDGENT_ERR_RATE_LIMITED: { status: 429, meaning: 're-profiling asked for again too soon' },
  EDGENT_ERR_BAD_MANIFEST: { status: 500, meaning: "a model folder's manifest does not parse" },
  EDGENT_ERR_BAD_WEIGHTS: { status: 500, meaning: "a model's weights missing or malformed" },
  EDGENT_ERR_HASH_MISMATCH: { status: 500, meaning: "a model's weights do not match its hash" },
  EDGENT_ERR_BAD_PROFILE: {
    status: 500,
    meaning: 'a profile file unreadable or for another model',
  },
  EDGENT_ERR_PROFILE_FAILED: { status: 500, meaning: 'profiling the edge failed' },
  EDGENT_ERR_DATASET_MISSING: { status: 503, meaning: 'the gallery has no dataset installed' },
} satisfies Record<string, { status?: number; meaning: string }>);

/** A code that crosses the wire. */
export type WireCode = keyof typeof WIRE_CODES;

/** Whether `code` is in the registry. */
export function isWireCode(code: string): code is WireCode {
  return Object.hasOwn(WIRE_CODES, code);
}

/** The HTTP status a route answers `code` with: the registry's, else 500. */
export function httpStatusOf(code: string): number {
  const entry = isWireCode(code) ? (WIRE_CODES[code] as { status?: number }) : undefined;
  return entry?.status ?? 500;
}
