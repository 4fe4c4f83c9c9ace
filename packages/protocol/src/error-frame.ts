/**
 * Error frames: a binary frame of type 'error' whose payload is a UTF-8 JSON
 * control error `{ type: 'error', code, message, requestId? }` as uint8 [n].
 * The edge answers every bad frame with one, repeating the request id when
 * the header was readable, so the device can fail that one request and go on.
 */
import { type ControlError, validateControl } from './control';
import { ProtocolError } from './errors';
import { encodeFrame, type Frame } from './frame';
import { err, ok, type Result } from './result';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const ZERO_PREFIX = '0'.repeat(16);

/** What an error frame says. */
export interface ErrorFrameFields {
  code: string;
  message: string;
  /** The failed request's id, when known; 0 in the header otherwise. */
  requestId?: number;
  /** Model prefix of the failed request, when known. */
  modelPrefix?: string;
  exit?: number;
  partition?: number;
}

/** Encodes an error frame; messages longer than 2000 characters are cut. */
export function encodeErrorFrame(fields: ErrorFrameFields): Uint8Array {
  const body: ControlError = {
    type: 'error',
    code: fields.code,
    message: fields.message.slice(0, 2000),
    ...(fields.requestId === undefined ? {} : { requestId: fields.requestId }),
  };
  const checked = validateControl(body);
  if (!checked.ok) throw checked.error;
  const payload = encoder.encode(JSON.stringify(body));
  return encodeFrame({
    type: 'error',
    flags: 0,
    requestId: fields.requestId ?? 0,
    modelPrefix: fields.modelPrefix ?? ZERO_PREFIX,
    exit: fields.exit ?? 0,
    partition: fields.partition ?? 0,
    dtype: 'uint8',
    shape: [payload.length],
    payload,
  });
}

/** Reads the control error an error frame carries. Never throws. */
export function readErrorFrame(frame: Frame): Result<ControlError, ProtocolError> {
  if (frame.type !== 'error') {
    return err(
      new ProtocolError('EDGENT_ERR_FRAME_BAD_TYPE', `frame is a ${frame.type}, not an error`),
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(frame.payload));
  } catch (e) {
    return err(
      new ProtocolError(
        'EDGENT_ERR_CONTROL_BAD_JSON',
        `error frame payload is not UTF-8 JSON: ${(e as Error).message}`,
      ),
    );
  }
  const checked = validateControl(value);
  if (!checked.ok) return checked;
  if (checked.value.type !== 'error') {
    return err(
      new ProtocolError(
        'EDGENT_ERR_CONTROL_BAD_TYPE',
        `error frame carries a ${checked.value.type} message, not an error`,
      ),
    );
  }
  return ok(checked.value);
}
