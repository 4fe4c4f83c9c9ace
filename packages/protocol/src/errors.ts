import { CodedError } from '@edgent/errors';

/**
 * Errors of the protocol package. Decoders never throw on bad bytes or text:
 * they return `{ ok: false, error }` with a ProtocolError. Encoders throw a
 * ProtocolError when handed a frame or tensor that cannot be encoded (a
 * programming error on the sending side). Every ProtocolError has a stable
 * `code`:
 *
 *   ProtocolError
 *   ├── frames (frame.ts): decodeFrame, peekHeader, encodeFrame
 *   │   ├── EDGENT_ERR_FRAME_TRUNCATED        fewer bytes than the header or the declared payload
 *   │   ├── EDGENT_ERR_FRAME_BAD_MAGIC        first 4 bytes are not 'EDGT'
 *   │   ├── EDGENT_ERR_FRAME_BAD_VERSION      a version this build does not speak
 *   │   ├── EDGENT_ERR_FRAME_BAD_TYPE         unknown message type code
 *   │   ├── EDGENT_ERR_FRAME_BAD_DTYPE        unknown dtype code
 *   │   ├── EDGENT_ERR_FRAME_BAD_RANK         rank above 6, or a dim beyond the rank not zero
 *   │   ├── EDGENT_ERR_FRAME_BAD_QUANT        int8 scale not finite and > 0, zero point outside -128..127
 *   │   ├── EDGENT_ERR_FRAME_BAD_FIELD        any other field out of range (reserved bytes not zero,
 *   │   │                                     timings not finite >= 0, ids out of range, bad model prefix)
 *   │   ├── EDGENT_ERR_FRAME_LENGTH_MISMATCH  payload length is not shape x dtype size, or bytes
 *   │   │                                     follow the payload
 *   │   └── EDGENT_ERR_FRAME_TOO_LARGE        declared payload above maxPayloadBytes
 *   ├── tensors (tensor-codec.ts): encodeTensor, decodeTensor
 *   │   ├── EDGENT_ERR_TENSOR_SHAPE_MISMATCH  values or payload length do not match the shape
 *   │   ├── EDGENT_ERR_TENSOR_NOT_FINITE      int8 quantisation of NaN or infinite values
 *   │   └── EDGENT_ERR_TENSOR_BAD_QUANT       int8 without a usable scale and zero point
 *   └── control messages (control.ts): parseControl, validateControl, encodeControl
 *       ├── EDGENT_ERR_CONTROL_TOO_LARGE      text longer than maxChars
 *       ├── EDGENT_ERR_CONTROL_BAD_JSON       not JSON, or not a JSON object
 *       ├── EDGENT_ERR_CONTROL_BAD_TYPE       `type` missing or not a known message type
 *       └── EDGENT_ERR_CONTROL_INVALID        a field fails the message's schema (the message names it)
 */

/** Every code a ProtocolError can carry. */
export type ProtocolErrorCode =
  | 'EDGENT_ERR_FRAME_TRUNCATED'
  | 'EDGENT_ERR_FRAME_BAD_MAGIC'
  | 'EDGENT_ERR_FRAME_BAD_VERSION'
  | 'EDGENT_ERR_FRAME_BAD_TYPE'
  | 'EDGENT_ERR_FRAME_BAD_DTYPE'
  | 'EDGENT_ERR_FRAME_BAD_RANK'
  | 'EDGENT_ERR_FRAME_BAD_QUANT'
  | 'EDGENT_ERR_FRAME_BAD_FIELD'
  | 'EDGENT_ERR_FRAME_LENGTH_MISMATCH'
  | 'EDGENT_ERR_FRAME_TOO_LARGE'
  | 'EDGENT_ERR_TENSOR_SHAPE_MISMATCH'
  | 'EDGENT_ERR_TENSOR_NOT_FINITE'
  | 'EDGENT_ERR_TENSOR_BAD_QUANT'
  | 'EDGENT_ERR_CONTROL_TOO_LARGE'
  | 'EDGENT_ERR_CONTROL_BAD_JSON'
  | 'EDGENT_ERR_CONTROL_BAD_TYPE'
  | 'EDGENT_ERR_CONTROL_INVALID';

/** An error of the protocol package, with a stable `code`. */
export class ProtocolError extends CodedError<ProtocolErrorCode> {
  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}
