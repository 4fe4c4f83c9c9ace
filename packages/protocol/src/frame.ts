/**
 * Binary frames between the device and the edge: a fixed 72-byte
 * little-endian header, then the raw payload. The header size never depends
 * on the content, so a reader needs exactly HEADER_BYTES to know everything,
 * including how many payload bytes follow.
 *
 * | offset | size | type    | field                                                     |
 * |-------:|-----:|---------|-----------------------------------------------------------|
 * |      0 |    4 | bytes   | magic 'EDGT' (0x45 0x44 0x47 0x54)                        |
 * |      4 |    1 | u8      | version, 1                                                |
 * |      5 |    1 | u8      | message type: 1 request, 2 result, 3 error, 4 probe,      |
 * |        |      |         | 5 probe reply                                             |
 * |      6 |    1 | u8      | flags, carried as is (meaning left to the application)    |
 * |      7 |    1 | u8      | dtype: 1 float32, 2 float16, 3 int8, 4 uint8, 5 jpeg      |
 * |      8 |    4 | u32     | request id                                                |
 * |     12 |    8 | bytes   | model id: first 8 bytes of the model's sha256 hash        |
 * |     20 |    1 | u8      | exit                                                      |
 * |     21 |    1 | u8      | partition                                                 |
 * |     22 |    1 | u8      | rank, 0..6                                                |
 * |     23 |    1 | u8      | reserved, 0                                               |
 * |     24 |   24 | u32 x 6 | dims; those beyond the rank are 0                         |
 * |     48 |    4 | f32     | int8 scale (> 0); 0 for other dtypes                      |
 * |     52 |    4 | i32     | int8 zero point (-128..127); 0 for other dtypes           |
 * |     56 |    4 | u32     | payload length in bytes = product(dims) x dtype size      |
 * |        |      |         | (jpeg: the encoded image's bytes, at least 1)             |
 * |     60 |    4 | f32     | edge queue ms   (result and probe reply; 0 otherwise)     |
 * |     64 |    4 | f32     | edge decode ms  (result and probe reply; 0 otherwise)     |
 * |     68 |    4 | f32     | edge compute ms (result and probe reply; 0 otherwise)     |
 * |     72 |    n | bytes   | payload, n = payload length                               |
 *
 * Conventions per type: a request carries the input (partition 0) or the
 * intermediate tensor (a jpeg request carries the input image as a JPEG
 * file, its dims those of the decoded tensor, [1, height, width, 3]); a result carries the exit's float32 scores; an error
 * carries a UTF-8 JSON control error as uint8 [n]; a probe carries n filler
 * bytes as uint8 [n] and its reply echoes the request id with the edge's times.
 * Pure: no I/O, no clock, no Node-only API.
 */
import { ProtocolError, type ProtocolErrorCode } from './errors';
import { err, ok, type Result } from './result';

/** Header bytes before the payload of every frame. */
export const HEADER_BYTES = 72;
/** The protocol version this build writes and reads. */
export const PROTOCOL_VERSION = 1;
/** Largest rank a frame carries. */
export const MAX_RANK = 6;
/** Default for `maxPayloadBytes`: 16 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

const MAGIC = [0x45, 0x44, 0x47, 0x54] as const; // 'EDGT'
const U32_MAX = 0xffff_ffff;

const OFFSET = {
  version: 4,
  type: 5,
  flags: 6,
  dtype: 7,
  requestId: 8,
  model: 12,
  exit: 20,
  partition: 21,
  rank: 22,
  reserved: 23,
  dims: 24,
  scale: 48,
  zeroPoint: 52,
  payloadLength: 56,
  queueMs: 60,
  decodeMs: 64,
  computeMs: 68,
} as const;

/** What a frame is for. */
export type MessageType = 'request' | 'result' | 'error' | 'probe' | 'probeReply';
/** Element types whose payload is the values one after another. */
export type TensorDType = 'float32' | 'float16' | 'int8' | 'uint8';
/** How tensor values are stored in the payload: element by element, or as a JPEG image. */
export type DType = TensorDType | 'jpeg';

/** Wire code of each message type. */
export const MESSAGE_TYPE_CODES: Readonly<Record<MessageType, number>> = Object.freeze({
  request: 1,
  result: 2,
  error: 3,
  probe: 4,
  probeReply: 5,
});

/** Wire code of each dtype. */
export const DTYPE_CODES: Readonly<Record<DType, number>> = Object.freeze({
  float32: 1,
  float16: 2,
  int8: 3,
  uint8: 4,
  jpeg: 5,
});

/** Bytes per element of each element-wise dtype (a JPEG's length is its own). */
export const DTYPE_BYTES: Readonly<Record<TensorDType, number>> = Object.freeze({
  float32: 4,
  float16: 2,
  int8: 1,
  uint8: 1,
});

const TYPE_BY_CODE = invert(MESSAGE_TYPE_CODES);
const DTYPE_BY_CODE = invert(DTYPE_CODES);

function invert<K extends string>(codes: Readonly<Record<K, number>>): ReadonlyMap<number, K> {
  return new Map(Object.entries(codes).map(([k, v]) => [v as number, k as K]));
}

/** Times the edge reports with a result or probe reply, in milliseconds (stored as float32). */
export interface EdgeTiming {
  queueMs: number;
  decodeMs: number;
  computeMs: number;
}

/** The header fields of a frame: everything but the payload bytes. */
export interface FrameFields {
  type: MessageType;
  /** 0..255, carried as is. */
  flags: number;
  /** 0..2^32-1; a result, error or probe reply repeats its request's id. */
  requestId: number;
  /** First 8 bytes of the model's sha256 as 16 lowercase hex digits; see modelPrefixOf. */
  modelPrefix: string;
  /** 0..255 */
  exit: number;
  /** 0..255 */
  partition: number;
  dtype: DType;
  /** Up to MAX_RANK dims, each 0..2^32-1; [] is a scalar. */
  shape: readonly number[];
  /** int8 only: value = scale x (q - zeroPoint); stored as float32. */
  scale?: number;
  /** int8 only, -128..127. */
  zeroPoint?: number;
  /** Result and probe reply only (required there). */
  timing?: EdgeTiming;
}

/** A whole frame. */
export interface Frame extends FrameFields {
  /** Tensor bytes, little-endian; after decodeFrame a view into the input (no copy). */
  payload: Uint8Array;
}

/** What peekHeader reads: the header fields, the declared payload length and the frame's total length. */
export interface FrameHeader extends FrameFields {
  payloadLength: number;
  /** HEADER_BYTES + payloadLength. */
  frameLength: number;
}

/** Limits a reader applies. */
export interface DecodeOptions {
  /** Frames declaring more payload bytes are refused with EDGENT_ERR_FRAME_TOO_LARGE. Default 16 MiB. */
  maxPayloadBytes?: number;
}

/** Whether frames of this type carry the edge's timing fields. */
export function carriesTiming(type: MessageType): boolean {
  return type === 'result' || type === 'probeReply';
}

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The 16-hex-digit model prefix a frame carries, from a model hash.
 *
 * @example modelPrefixOf('sha256:0123456789abcdef...'); // '0123456789abcdef'
 */
export function modelPrefixOf(hash: string): string {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(hash);
  if (!m?.[1]) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_FIELD',
      `model hash ${JSON.stringify(hash)} is not 'sha256:' followed by 64 hex digits`,
    );
  }
  return m[1].slice(0, 16).toLowerCase();
}

function fail(code: ProtocolErrorCode, message: string): { ok: false; error: ProtocolError } {
  return err(new ProtocolError(code, message));
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function asBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}

function isNonNegativeFinite(x: number): boolean {
  return Number.isFinite(x) && x >= 0;
}

/**
 * Reads and checks the header of a frame without touching the payload, so a
 * receiver can refuse an oversized or malformed frame from its first
 * HEADER_BYTES bytes. Never throws.
 *
 * @example
 * const head = peekHeader(firstChunk, { maxPayloadBytes: 1 << 20 });
 * if (!head.ok) return close(head.error.code);
 */
export function peekHeader(
  input: Uint8Array | ArrayBuffer,
  options: DecodeOptions = {},
): Result<FrameHeader, ProtocolError> {
  const bytes = asBytes(input);
  const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  for (let i = 0; i < Math.min(MAGIC.length, bytes.length); i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = [...bytes.subarray(0, MAGIC.length)].map((b) => b.toString(16).padStart(2, '0'));
      return fail(
        'EDGENT_ERR_FRAME_BAD_MAGIC',
        `magic is ${got.join(' ')}, expected 45 44 47 54 ('EDGT')`,
      );
    }
  }
  if (bytes.length < HEADER_BYTES) {
    return fail(
      'EDGENT_ERR_FRAME_TRUNCATED',
      `frame has ${bytes.length} bytes, fewer than the ${HEADER_BYTES}-byte header`,
    );
  }
  const view = viewOf(bytes);
  const version = view.getUint8(OFFSET.version);
  if (version !== PROTOCOL_VERSION) {
    return fail(
      'EDGENT_ERR_FRAME_BAD_VERSION',
      `frame version ${version}, this build speaks version ${PROTOCOL_VERSION}`,
    );
  }
  const typeCode = view.getUint8(OFFSET.type);
  const type = TYPE_BY_CODE.get(typeCode);
  if (type === undefined) {
    return fail(
      'EDGENT_ERR_FRAME_BAD_TYPE',
      `message type code ${typeCode} is unknown; valid codes: ${describeCodes(MESSAGE_TYPE_CODES)}`,
    );
  }
  const dtypeCode = view.getUint8(OFFSET.dtype);
  const dtype = DTYPE_BY_CODE.get(dtypeCode);
  if (dtype === undefined) {
    return fail(
      'EDGENT_ERR_FRAME_BAD_DTYPE',
      `dtype code ${dtypeCode} is unknown; valid codes: ${describeCodes(DTYPE_CODES)}`,
    );
  }
  const rank = view.getUint8(OFFSET.rank);
  if (rank > MAX_RANK) {
    return fail('EDGENT_ERR_FRAME_BAD_RANK', `rank ${rank} is above the maximum ${MAX_RANK}`);
  }
  const shape: number[] = [];
  for (let i = 0; i < MAX_RANK; i++) {
    const d = view.getUint32(OFFSET.dims + 4 * i, true);
    if (i < rank) shape.push(d);
    else if (d !== 0) {
      return fail(
        'EDGENT_ERR_FRAME_BAD_RANK',
        `dim ${i} is ${d} but rank is ${rank}; dims beyond the rank must be 0`,
      );
    }
  }
  const reserved = view.getUint8(OFFSET.reserved);
  if (reserved !== 0) {
    return fail(
      'EDGENT_ERR_FRAME_BAD_FIELD',
      `reserved byte ${OFFSET.reserved} is ${reserved}, expected 0`,
    );
  }

  const scale = view.getFloat32(OFFSET.scale, true);
  const zeroPoint = view.getInt32(OFFSET.zeroPoint, true);
  if (dtype === 'int8') {
    if (!(Number.isFinite(scale) && scale > 0)) {
      return fail('EDGENT_ERR_FRAME_BAD_QUANT', `int8 scale ${scale} is not a finite number > 0`);
    }
    if (zeroPoint < -128 || zeroPoint > 127) {
      return fail(
        'EDGENT_ERR_FRAME_BAD_QUANT',
        `int8 zero point ${zeroPoint} is outside -128..127`,
      );
    }
  } else if (!Object.is(scale, 0) || zeroPoint !== 0) {
    return fail(
      'EDGENT_ERR_FRAME_BAD_FIELD',
      `scale ${scale} and zero point ${zeroPoint} must be 0 for dtype ${dtype} (only int8 has them)`,
    );
  }

  const timing: EdgeTiming = {
    queueMs: view.getFloat32(OFFSET.queueMs, true),
    decodeMs: view.getFloat32(OFFSET.decodeMs, true),
    computeMs: view.getFloat32(OFFSET.computeMs, true),
  };
  if (carriesTiming(type)) {
    for (const [name, value] of Object.entries(timing)) {
      if (!isNonNegativeFinite(value)) {
        return fail(
          'EDGENT_ERR_FRAME_BAD_FIELD',
          `timing ${name} is ${value}, expected a finite number >= 0`,
        );
      }
    }
  } else if (
    !Object.is(timing.queueMs, 0) ||
    !Object.is(timing.decodeMs, 0) ||
    !Object.is(timing.computeMs, 0)
  ) {
    return fail('EDGENT_ERR_FRAME_BAD_FIELD', `timing fields must be 0 in a ${type} frame`);
  }

  const payloadLength = view.getUint32(OFFSET.payloadLength, true);
  if (payloadLength > max) {
    return fail(
      'EDGENT_ERR_FRAME_TOO_LARGE',
      `payload of ${payloadLength} bytes is above the limit of ${max} bytes`,
    );
  }
  const expected =
    dtype === 'jpeg' ? Math.max(1, payloadLength) : elementCount(shape) * DTYPE_BYTES[dtype];
  if (payloadLength !== expected) {
    return fail(
      'EDGENT_ERR_FRAME_LENGTH_MISMATCH',
      `payload length ${payloadLength} does not match shape [${shape.join(', ')}] of ${dtype}, which needs ${expected} bytes`,
    );
  }

  let modelPrefix = '';
  for (let i = 0; i < 8; i++) {
    modelPrefix += view
      .getUint8(OFFSET.model + i)
      .toString(16)
      .padStart(2, '0');
  }
  const header: FrameHeader = {
    type,
    flags: view.getUint8(OFFSET.flags),
    requestId: view.getUint32(OFFSET.requestId, true),
    modelPrefix,
    exit: view.getUint8(OFFSET.exit),
    partition: view.getUint8(OFFSET.partition),
    dtype,
    shape,
    payloadLength,
    frameLength: HEADER_BYTES + payloadLength,
  };
  if (dtype === 'int8') {
    header.scale = scale;
    header.zeroPoint = zeroPoint;
  }
  if (carriesTiming(type)) header.timing = timing;
  return ok(header);
}

/**
 * Decodes one whole frame. Never throws: malformed bytes give a ProtocolError
 * whose code says what is wrong. The payload is a view into `bytes`.
 */
export function decodeFrame(
  input: Uint8Array | ArrayBuffer,
  options: DecodeOptions = {},
): Result<Frame, ProtocolError> {
  const bytes = asBytes(input);
  const head = peekHeader(bytes, options);
  if (!head.ok) return head;
  const { payloadLength, frameLength, ...fields } = head.value;
  if (bytes.length < frameLength) {
    return fail(
      'EDGENT_ERR_FRAME_TRUNCATED',
      `frame has ${bytes.length} bytes, header declares ${frameLength} (${payloadLength} bytes of payload)`,
    );
  }
  if (bytes.length > frameLength) {
    return fail(
      'EDGENT_ERR_FRAME_LENGTH_MISMATCH',
      `frame has ${bytes.length} bytes, header declares ${frameLength}; ${bytes.length - frameLength} bytes follow the payload`,
    );
  }
  return ok({ ...fields, payload: bytes.subarray(HEADER_BYTES, frameLength) });
}

function checkInt(name: string, value: number, max: number, code: ProtocolErrorCode): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ProtocolError(code, `${name} ${value} is not an integer in 0..${max}`);
  }
}

/**
 * Encodes a frame: header then payload, in one new buffer. Throws a
 * ProtocolError when the frame cannot be encoded (a field out of range, a
 * payload that does not match shape and dtype, int8 without scale and zero
 * point, a result without timing), which is a bug on the sending side.
 *
 * @example
 * encodeFrame({ type: 'request', flags: 0, requestId: 7, modelPrefix, exit: 2, partition: 3,
 *   ...encodeTensor(activations, [1, 14, 14, 32], 'float16') });
 */
export function encodeFrame(frame: Frame): Uint8Array {
  const { type, dtype, shape, payload } = frame;
  const typeCode = MESSAGE_TYPE_CODES[type];
  if (typeCode === undefined) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_TYPE',
      `message type ${JSON.stringify(type)} is unknown; valid: ${Object.keys(MESSAGE_TYPE_CODES).join(', ')}`,
    );
  }
  const dtypeCode = DTYPE_CODES[dtype];
  if (dtypeCode === undefined) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_DTYPE',
      `dtype ${JSON.stringify(dtype)} is unknown; valid: ${Object.keys(DTYPE_CODES).join(', ')}`,
    );
  }
  checkInt('flags', frame.flags, 0xff, 'EDGENT_ERR_FRAME_BAD_FIELD');
  checkInt('requestId', frame.requestId, U32_MAX, 'EDGENT_ERR_FRAME_BAD_FIELD');
  checkInt('exit', frame.exit, 0xff, 'EDGENT_ERR_FRAME_BAD_FIELD');
  checkInt('partition', frame.partition, 0xff, 'EDGENT_ERR_FRAME_BAD_FIELD');
  if (!/^[0-9a-f]{16}$/.test(frame.modelPrefix)) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_FIELD',
      `modelPrefix ${JSON.stringify(frame.modelPrefix)} is not 16 lowercase hex digits (see modelPrefixOf)`,
    );
  }
  if (shape.length > MAX_RANK) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_RANK',
      `rank ${shape.length} is above the maximum ${MAX_RANK}`,
    );
  }
  for (const [i, d] of shape.entries())
    checkInt(`dim ${i}`, d, U32_MAX, 'EDGENT_ERR_FRAME_BAD_RANK');
  checkInt('payload length', payload.length, U32_MAX, 'EDGENT_ERR_FRAME_TOO_LARGE');
  const hasQuant = frame.scale !== undefined || frame.zeroPoint !== undefined;
  if (dtype === 'int8') checkQuant(frame.scale, frame.zeroPoint);
  if (dtype !== 'int8' && hasQuant) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_FIELD',
      `scale and zeroPoint are for int8 only, not ${dtype}`,
    );
  }
  if (carriesTiming(type) !== (frame.timing !== undefined)) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_FIELD',
      `timing is required in result and probeReply frames and absent from others; got a ${type} frame ${
        frame.timing ? 'with' : 'without'
      } timing`,
    );
  }

  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = viewOf(out);
  out.set(MAGIC, 0);
  view.setUint8(OFFSET.version, PROTOCOL_VERSION);
  view.setUint8(OFFSET.type, typeCode);
  view.setUint8(OFFSET.flags, frame.flags);
  view.setUint8(OFFSET.dtype, dtypeCode);
  view.setUint32(OFFSET.requestId, frame.requestId, true);
  for (let i = 0; i < 8; i++) {
    view.setUint8(OFFSET.model + i, Number.parseInt(frame.modelPrefix.slice(2 * i, 2 * i + 2), 16));
  }
  view.setUint8(OFFSET.exit, frame.exit);
  view.setUint8(OFFSET.partition, frame.partition);
  view.setUint8(OFFSET.rank, shape.length);
  for (const [i, d] of shape.entries()) view.setUint32(OFFSET.dims + 4 * i, d, true);
  if (dtype === 'int8') {
    view.setFloat32(OFFSET.scale, frame.scale ?? 0, true);
    view.setInt32(OFFSET.zeroPoint, frame.zeroPoint ?? 0, true);
  }
  view.setUint32(OFFSET.payloadLength, payload.length, true);
  if (frame.timing) {
    view.setFloat32(OFFSET.queueMs, frame.timing.queueMs, true);
    view.setFloat32(OFFSET.decodeMs, frame.timing.decodeMs, true);
    view.setFloat32(OFFSET.computeMs, frame.timing.computeMs, true);
  }
  out.set(payload, HEADER_BYTES);

  // The reader's checks, applied to what was written: timings and payload
  // length against the shape.
  const check = peekHeader(out, { maxPayloadBytes: U32_MAX });
  if (!check.ok) throw check.error;
  return out;
}

function checkQuant(scale: number | undefined, zeroPoint: number | undefined): void {
  if (scale === undefined || zeroPoint === undefined) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_QUANT',
      'an int8 frame needs scale and zeroPoint',
    );
  }
  const stored = Math.fround(scale);
  if (!(Number.isFinite(stored) && stored > 0)) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_QUANT',
      `int8 scale ${scale} is not a finite number > 0 (as float32)`,
    );
  }
  if (!Number.isInteger(zeroPoint) || zeroPoint < -128 || zeroPoint > 127) {
    throw new ProtocolError(
      'EDGENT_ERR_FRAME_BAD_QUANT',
      `int8 zero point ${zeroPoint} is not an integer in -128..127`,
    );
  }
}

function describeCodes(codes: Readonly<Record<string, number>>): string {
  return Object.entries(codes)
    .map(([name, code]) => `${code} ${name}`)
    .join(', ');
}
