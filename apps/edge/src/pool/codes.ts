import { EdgeError, type EdgeErrorCode } from '../errors.js';

/** Codes raised by @edgent/model, @edgent/protocol or a worker that the pool passes on as they are. */
const keptCodes: ReadonlySet<string> = new Set<EdgeErrorCode>([
  'EDGENT_ERR_BAD_DTYPE',
  'EDGENT_ERR_BAD_EXIT',
  'EDGENT_ERR_BAD_PARTITION',
  'EDGENT_ERR_BAD_INPUT_SHAPE',
  'EDGENT_ERR_BAD_MANIFEST',
  'EDGENT_ERR_BAD_WEIGHTS',
  'EDGENT_ERR_HASH_MISMATCH',
  'EDGENT_ERR_TENSOR_SHAPE_MISMATCH',
  'EDGENT_ERR_TENSOR_BAD_QUANT',
  'EDGENT_ERR_WORKER_FAILED',
  'EDGENT_ERR_MODEL_MISMATCH',
]);

/**
 * An EdgeError for a code and message from another package or thread. A code the pool does not
 * expect becomes EDGENT_ERR_WORKER_FAILED, with the original code kept in the message.
 */
export function toEdgeError(code: string, message: string): EdgeError {
  if (keptCodes.has(code)) return new EdgeError(code as EdgeErrorCode, message);
  return new EdgeError('EDGENT_ERR_WORKER_FAILED', `${code}: ${message}`);
}
