/**
 * Malformed frames: every one decodes to a ProtocolError with a stable code,
 * and nothing the decoder is handed makes it throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  HEADER_BYTES,
  modelPrefixOf,
  ProtocolError,
  type ProtocolErrorCode,
  peekHeader,
} from '../src/index';
import { frameArb, runs, smallFrameArb } from './arbitraries';

const FRAME_CODES: readonly ProtocolErrorCode[] = [
  'EDGENT_ERR_FRAME_TRUNCATED',
  'EDGENT_ERR_FRAME_BAD_MAGIC',
  'EDGENT_ERR_FRAME_BAD_VERSION',
  'EDGENT_ERR_FRAME_BAD_TYPE',
  'EDGENT_ERR_FRAME_BAD_DTYPE',
  'EDGENT_ERR_FRAME_BAD_RANK',
  'EDGENT_ERR_FRAME_BAD_QUANT',
  'EDGENT_ERR_FRAME_BAD_FIELD',
  'EDGENT_ERR_FRAME_LENGTH_MISMATCH',
  'EDGENT_ERR_FRAME_TOO_LARGE',
];

function codeOf(bytes: Uint8Array, maxPayloadBytes?: number): string {
  const decoded = decodeFrame(bytes, maxPayloadBytes === undefined ? {} : { maxPayloadBytes });
  if (decoded.ok) return 'ok';
  expect(decoded.error).toBeInstanceOf(ProtocolError);
  return decoded.error.code;
}

function errorOf(bytes: Uint8Array): ProtocolError {
  const decoded = decodeFrame(bytes);
  if (decoded.ok) throw new Error('expected a decoding error');
  return decoded.error;
}

/** A valid int8 result frame: [2, 3], scale 0.5, zero point -3. */
function validBytes(): Uint8Array {
  const frame: Frame = {
    type: 'result',
    flags: 0,
    requestId: 42,
    modelPrefix: modelPrefixOf(`sha256:${'ab'.repeat(32)}`),
    exit: 1,
    partition: 3,
    dtype: 'int8',
    shape: [2, 3],
    scale: 0.5,
    zeroPoint: -3,
    timing: { queueMs: 1, decodeMs: 2, computeMs: 3 },
    payload: new Uint8Array([1, 2, 3, 4, 5, 6]),
  };
  return encodeFrame(frame);
}

/** validBytes() with `edit` applied through a little-endian DataView. */
function edited(edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = validBytes();
  edit(new DataView(bytes.buffer), bytes);
  return bytes;
}

describe('never throws', () => {
  it('on arbitrary bytes, and returns a frame error with a known code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const decoded = decodeFrame(bytes);
        if (!decoded.ok) expect(FRAME_CODES).toContain(decoded.error.code);
        const head = peekHeader(bytes);
        if (!head.ok) expect(FRAME_CODES).toContain(head.error.code);
      }),
      runs(2000),
    );
  });

  it('on arbitrary bytes behind a valid magic and version (so later checks run)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (tail) => {
        const bytes = new Uint8Array([0x45, 0x44, 0x47, 0x54, 1, ...tail]);
        const decoded = decodeFrame(bytes);
        expect(decoded.ok).toBe(false);
        if (!decoded.ok) expect(FRAME_CODES).toContain(decoded.error.code);
      }),
      runs(2000),
    );
  });

  it('on a valid frame with any bytes of its header replaced', () => {
    fc.assert(
      fc.property(
        frameArb,
        fc.array(fc.tuple(fc.nat({ max: HEADER_BYTES - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (frame, edits) => {
          const bytes = encodeFrame(frame);
          for (const [at, value] of edits) bytes[at] = value;
          const decoded = decodeFrame(bytes);
          if (!decoded.ok) expect(FRAME_CODES).toContain(decoded.error.code);
        },
      ),
      runs(1000),
    );
  });
});

describe('truncated frames', () => {
  it('every proper prefix of a valid frame is EDGENT_ERR_FRAME_TRUNCATED', () => {
    fc.assert(
      fc.property(smallFrameArb, (frame) => {
        const bytes = encodeFrame(frame);
        for (let end = 0; end < bytes.length; end++) {
          expect(codeOf(bytes.subarray(0, end))).toBe('EDGENT_ERR_FRAME_TRUNCATED');
        }
        expect(codeOf(bytes)).toBe('ok');
      }),
      runs(100),
    );
  });

  it('names the bytes present and the bytes declared', () => {
    const bytes = validBytes();
    expect(errorOf(bytes.subarray(0, 10)).message).toBe(
      'frame has 10 bytes, fewer than the 72-byte header',
    );
    expect(errorOf(bytes.subarray(0, 75)).message).toBe(
      'frame has 75 bytes, header declares 78 (6 bytes of payload)',
    );
  });
});

describe('each malformed field has its code and says what is wrong', () => {
  const cases: [string, Uint8Array, ProtocolErrorCode, string][] = [
    [
      'wrong magic',
      edited((_v, b) => b.set([0x47, 0x45, 0x54, 0x20], 0)),
      'EDGENT_ERR_FRAME_BAD_MAGIC',
      "magic is 47 45 54 20, expected 45 44 47 54 ('EDGT')",
    ],
    [
      'wrong magic in the first byte alone',
      new Uint8Array([0x7b]),
      'EDGENT_ERR_FRAME_BAD_MAGIC',
      "magic is 7b, expected 45 44 47 54 ('EDGT')",
    ],
    [
      'version 2',
      edited((v) => v.setUint8(4, 2)),
      'EDGENT_ERR_FRAME_BAD_VERSION',
      'frame version 2, this build speaks version 1',
    ],
    [
      'version 0',
      edited((v) => v.setUint8(4, 0)),
      'EDGENT_ERR_FRAME_BAD_VERSION',
      'frame version 0, this build speaks version 1',
    ],
    [
      'type 0',
      edited((v) => v.setUint8(5, 0)),
      'EDGENT_ERR_FRAME_BAD_TYPE',
      'message type code 0 is unknown; valid codes: 1 request, 2 result, 3 error, 4 probe, 5 probeReply',
    ],
    [
      'type 6',
      edited((v) => v.setUint8(5, 6)),
      'EDGENT_ERR_FRAME_BAD_TYPE',
      'message type code 6 is unknown',
    ],
    [
      'dtype 0',
      edited((v) => v.setUint8(7, 0)),
      'EDGENT_ERR_FRAME_BAD_DTYPE',
      'dtype code 0 is unknown; valid codes: 1 float32, 2 float16, 3 int8, 4 uint8, 5 jpeg',
    ],
    [
      'dtype 6',
      edited((v) => v.setUint8(7, 6)),
      'EDGENT_ERR_FRAME_BAD_DTYPE',
      'dtype code 6 is unknown',
    ],
    [
      'rank 7',
      edited((v) => v.setUint8(22, 7)),
      'EDGENT_ERR_FRAME_BAD_RANK',
      'rank 7 is above the maximum 6',
    ],
    [
      'a dim beyond the rank',
      edited((v) => v.setUint8(22, 1)),
      'EDGENT_ERR_FRAME_BAD_RANK',
      'dim 1 is 3 but rank is 1; dims beyond the rank must be 0',
    ],
    [
      'reserved byte set',
      edited((v) => v.setUint8(23, 9)),
      'EDGENT_ERR_FRAME_BAD_FIELD',
      'reserved byte 23 is 9, expected 0',
    ],
    [
      'int8 scale 0',
      edited((v) => v.setFloat32(48, 0, true)),
      'EDGENT_ERR_FRAME_BAD_QUANT',
      'int8 scale 0 is not a finite number > 0',
    ],
    [
      'int8 scale < 0',
      edited((v) => v.setFloat32(48, -1, true)),
      'EDGENT_ERR_FRAME_BAD_QUANT',
      'int8 scale -1 is not a finite number > 0',
    ],
    [
      'int8 scale NaN',
      edited((v) => v.setFloat32(48, Number.NaN, true)),
      'EDGENT_ERR_FRAME_BAD_QUANT',
      'int8 scale NaN is not a finite number > 0',
    ],
    [
      'int8 scale Inf',
      edited((v) => v.setFloat32(48, Number.POSITIVE_INFINITY, true)),
      'EDGENT_ERR_FRAME_BAD_QUANT',
      'int8 scale Infinity is not a finite number > 0',
    ],
    [
      'int8 zero point 128',
      edited((v) => v.setInt32(52, 128, true)),
      'EDGENT_ERR_FRAME_BAD_QUANT',
      'int8 zero point 128 is outside -128..127',
    ],
    [
      'int8 zero point -129',
      edited((v) => v.setInt32(52, -129, true)),
      'EDGENT_ERR_FRAME_BAD_QUANT',
      'int8 zero point -129 is outside -128..127',
    ],
    [
      'scale on a uint8 frame',
      edited((v) => v.setUint8(7, 4)),
      'EDGENT_ERR_FRAME_BAD_FIELD',
      'scale 0.5 and zero point -3 must be 0 for dtype uint8 (only int8 has them)',
    ],
    [
      'timing NaN',
      edited((v) => v.setFloat32(64, Number.NaN, true)),
      'EDGENT_ERR_FRAME_BAD_FIELD',
      'timing decodeMs is NaN, expected a finite number >= 0',
    ],
    [
      'timing < 0',
      edited((v) => v.setFloat32(68, -2, true)),
      'EDGENT_ERR_FRAME_BAD_FIELD',
      'timing computeMs is -2, expected a finite number >= 0',
    ],
    [
      'timing on a request',
      edited((v) => v.setUint8(5, 1)),
      'EDGENT_ERR_FRAME_BAD_FIELD',
      'timing fields must be 0 in a request frame',
    ],
    [
      'payload length not matching the shape',
      edited((v) => v.setUint32(56, 5, true)),
      'EDGENT_ERR_FRAME_LENGTH_MISMATCH',
      'payload length 5 does not match shape [2, 3] of int8, which needs 6 bytes',
    ],
    [
      'shape not matching the payload length',
      edited((v) => v.setUint32(28, 4, true)),
      'EDGENT_ERR_FRAME_LENGTH_MISMATCH',
      'payload length 6 does not match shape [2, 4] of int8, which needs 8 bytes',
    ],
    [
      'dims whose product overflows',
      edited((v) => {
        for (let i = 0; i < 6; i++) v.setUint32(24 + 4 * i, 0xffff_ffff, true);
        v.setUint8(22, 6);
      }),
      'EDGENT_ERR_FRAME_LENGTH_MISMATCH',
      'payload length 6 does not match shape',
    ],
    [
      'bytes after the payload',
      (() => {
        const b = validBytes();
        const longer = new Uint8Array(b.length + 2);
        longer.set(b);
        return longer;
      })(),
      'EDGENT_ERR_FRAME_LENGTH_MISMATCH',
      'frame has 80 bytes, header declares 78; 2 bytes follow the payload',
    ],
    [
      'payload length at the u32 maximum',
      edited((v) => v.setUint32(56, 0xffff_ffff, true)),
      'EDGENT_ERR_FRAME_TOO_LARGE',
      'payload of 4294967295 bytes is above the limit of 16777216 bytes',
    ],
  ];

  it.each(cases)('%s', (_name, bytes, code, message) => {
    const error = errorOf(bytes);
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('oversized against a caller limit: EDGENT_ERR_FRAME_TOO_LARGE from decodeFrame too', () => {
    expect(codeOf(validBytes(), 5)).toBe('EDGENT_ERR_FRAME_TOO_LARGE');
    expect(codeOf(validBytes(), 6)).toBe('ok');
  });

  it('the untouched frame decodes', () => {
    expect(codeOf(validBytes())).toBe('ok');
  });
});
