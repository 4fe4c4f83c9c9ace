import { CodedError } from '@edgent/errors';
import type { WireCode } from '@edgent/protocol';

/**
 * Errors raised by the edge server. Each carries a stable `code`.
 *
 *   EdgeError                      base class, `code` + message
 *   ├── EDGENT_ERR_BAD_OPTION      buildApp() received an option it cannot use
 *   ├── EDGENT_ERR_NO_MODEL        no manifest.json in the model folder
 *   ├── EDGENT_ERR_BAD_MANIFEST    manifest.json is there but is not JSON, or not a manifest
 *   ├── inference pool (pool/): InferencePool.start() and run()
 *   │   ├── EDGENT_ERR_BUSY            maxQueue requests already wait for the busy workers
 *   │   ├── EDGENT_ERR_CLOSED          the pool is closed or closing
 *   │   ├── EDGENT_ERR_ABORTED         the request's AbortSignal fired
 *   │   ├── EDGENT_ERR_WORKER_FAILED   a worker could not start, died, or hit an unexpected error
 *   │   ├── EDGENT_ERR_BAD_DTYPE       a request's dtype is unknown, or jpeg other than as an RGB input
 *   │   ├── EDGENT_ERR_MODEL_MISMATCH  a request names a model the edge does not serve
 *   │   └── with the codes of the package that defines them (same code, same meaning):
 *   │       EDGENT_ERR_BAD_EXIT, EDGENT_ERR_BAD_PARTITION, EDGENT_ERR_BAD_INPUT_SHAPE,
 *   │       EDGENT_ERR_BAD_WEIGHTS, EDGENT_ERR_HASH_MISMATCH (@edgent/model);
 *   │       EDGENT_ERR_TENSOR_SHAPE_MISMATCH (payload length), EDGENT_ERR_TENSOR_BAD_QUANT
 *   │       (@edgent/protocol)
 *   ├── EDGENT_ERR_BAD_PROFILE     the configured profile file is unreadable or for another model
 *   ├── EDGENT_ERR_PROFILE_FAILED  profiling the edge in its worker thread failed or was stopped
 *   ├── EDGENT_ERR_BAD_LINK        a link emulator setting (rate, delay, scale, trace) or message
 *   │                              size it cannot use (link/emulator.ts)
 *   ├── EDGENT_ERR_NO_TRACE        no trace file of that name in the traces folder, or not a
 *   │                              valid trace name (link/traces.ts)
 *   ├── EDGENT_ERR_TRACE_UNREADABLE  an entry of that name that cannot be read: a folder, no
 *   │                              permission, over 16 MiB (link/traces.ts)
 *   └── EDGENT_ERR_PORT_IN_USE     serve(): another process listens on the port (serve.ts)
 *
 * Codes the edge sends a device without throwing (session.ts, connection.ts, security.ts):
 *   EDGENT_ERR_BATCH_TOO_LARGE     a request frame over --max-batch examples (then close 1008)
 *   EDGENT_ERR_BACKLOG             over --max-queued-bytes queued on a connection (then 1008)
 *   EDGENT_ERR_GOING_AWAY          the edge drains for shutdown (then close 1001)
 *   EDGENT_ERR_TIMEOUT             no answer within --request-timeout
 *   EDGENT_ERR_INTERNAL            the edge failed in a way it has no code for
 *   EDGENT_ERR_UNAUTHORIZED, EDGENT_ERR_ORIGIN, EDGENT_ERR_HOST_NOT_ALLOWED  (HTTP 401, 403, 403)
 *   EDGENT_ERR_RATE_LIMITED        re-profiling asked for again too soon (HTTP 429)
 */

/**
 * Stable codes of {@link EdgeError}: every code that crosses the wire (the
 * registry of @edgent/protocol), and those that stay in the edge's process.
 */
export type EdgeErrorCode = WireCode | (typeof EDGE_LOCAL_CODES)[number];

/**
 * The edge's codes that never leave its process (start-up, and aborts it handles itself).
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export const EDGE_LOCAL_CODES = [
  'EDGENT_ERR_BAD_OPTION',
  'EDGENT_ERR_ABORTED',
  'EDGENT_ERR_PORT_IN_USE',
] as const;

/** An edge server error with a stable code a client or test can match on. */
export class EdgeError extends CodedError<EdgeErrorCode> {
  constructor(code: EdgeErrorCode, message: string) {
    super(code, message);
    this.name = 'EdgeError';
  }
}
