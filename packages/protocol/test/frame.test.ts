/**
 * Frames: the documented layout, decode(encode(x)) = x over random frames,
 * peekHeader from the header alone, and what encodeFrame refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodeTensor,
  encodeFrame,
  encodeTensor,
  type Frame,
  HEADER_BYTES,
  modelPrefixOf,
  ProtocolError,
  peekHeader,
} from '../src/index';
import { frameArb, runs } from './arbitraries';

const HASH = `sha256:${'0123456789abcdef'.repeat(4)}`;

function int8Result(): Frame {
  return {
    type: 'result',
    flags: 0x81,
    requestId: 0x01020304,
    modelPrefix: modelPrefixOf(HASH),
    exit: 2,
    partition: 5,
    dtype: 'int8',
    shape: [1, 3],
    scale: 0.5,
    zeroPoint: -3,
    timing: { queueMs: 1.5, decodeMs: 0.25, computeMs: 12 },
    payload: new Uint8Array([0xff, 0x00, 0x7f]),
  };
}

describe('frame layout', () => {
  it('writes every field at the offset the table in frame.ts gives, little-endian', () => {
    const bytes = encodeFrame(int8Result());
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(HEADER_BYTES).toBe(72);
    expect(bytes.length).toBe(72 + 3);
    expect([...bytes.subarray(0, 4)]).toEqual([0x45, 0x44, 0x47, 0x54]);
    expect(view.getUint8(4)).toBe(1); // version
    expect(view.getUint8(5)).toBe(2); // result
    expect(view.getUint8(6)).toBe(0x81); // flags
    expect(view.getUint8(7)).toBe(3); // int8
    expect([...bytes.subarray(8, 12)]).toEqual([0x04, 0x03, 0x02, 0x01]); // request id, LE
    expect([...bytes.subarray(12, 20)]).toEqual([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
    expect(view.getUint8(20)).toBe(2); // exit
    expect(view.getUint8(21)).toBe(5); // partition
    expect(view.getUint8(22)).toBe(2); // rank
    expect(view.getUint8(23)).toBe(0); // reserved
    expect([0, 1, 2, 3, 4, 5].map((i) => view.getUint32(24 + 4 * i, true))).toEqual([
      1, 3, 0, 0, 0, 0,
    ]);
    expect(view.getFloat32(48, true)).toBe(0.5);
    expect(view.getInt32(52, true)).toBe(-3);
    expect(view.getUint32(56, true)).toBe(3);
    expect(view.getFloat32(60, true)).toBe(1.5);
    expect(view.getFloat32(64, true)).toBe(0.25);
    expect(view.getFloat32(68, true)).toBe(12);
    expect([...bytes.subarray(72)]).toEqual([0xff, 0x00, 0x7f]);
  });

  it('modelPrefixOf takes the first 8 bytes of a sha256 hash, and refuses anything else', () => {
    expect(modelPrefixOf(HASH)).toBe('0123456789abcdef');
    expect(modelPrefixOf(`sha256:${'AB'.repeat(32)}`)).toBe('abababababababab');
    for (const bad of ['', 'sha256:abc', `md5:${'0'.repeat(64)}`, `sha256:${'g'.repeat(64)}`]) {
      expect(() => modelPrefixOf(bad)).toThrow(/is not 'sha256:' followed by 64 hex digits/);
    }
  });
});

describe('round trip', () => {
  it('decodeFrame(encodeFrame(x)) = x for random headers, shapes, dtypes and payloads', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        const decoded = decodeFrame(encodeFrame(frame));
        expect(decoded).toEqual({ ok: true, value: frame });
      }),
      runs(500),
    );
  });

  it('decodes from an ArrayBuffer and from a view at any byte offset', () => {
    fc.assert(
      fc.property(frameArb, fc.nat({ max: 7 }), (frame, offset) => {
        const bytes = encodeFrame(frame);
        const shifted = new Uint8Array(offset + bytes.length);
        shifted.set(bytes, offset);
        expect(decodeFrame(shifted.subarray(offset))).toEqual({ ok: true, value: frame });
        expect(decodeFrame(bytes.slice().buffer)).toEqual({ ok: true, value: frame });
      }),
      runs(100),
    );
  });

  it('carries a tensor of every dtype from encodeTensor to decodeTensor through a frame', () => {
    for (const dtype of ['float32', 'float16', 'int8', 'uint8'] as const) {
      // uint8 carries raw pixel bytes; the others any values.
      const values =
        dtype === 'uint8'
          ? new Float32Array([0, 64, 128, 255, 191, 32])
          : new Float32Array([0, 0.25, 0.5, 1, 0.75, 0.125]);
      const bytes = encodeFrame({
        type: 'request',
        flags: 0,
        requestId: 9,
        modelPrefix: modelPrefixOf(HASH),
        exit: 0,
        partition: 0,
        ...encodeTensor(values, [2, 3], dtype),
      });
      // At an odd offset, as inside a larger receive buffer.
      const odd = new Uint8Array(bytes.length + 1);
      odd.set(bytes, 1);
      const frame = decodeFrame(odd.subarray(1));
      if (!frame.ok) throw frame.error;
      const out = decodeTensor(frame.value);
      // The bound of each dtype, plus float32 rounding of the decoded value.
      const bound = dtype === 'int8' ? (frame.value.scale ?? 0) / 2 : 0;
      for (const [i, v] of values.entries()) {
        expect(Math.abs((out[i] ?? Number.NaN) - v)).toBeLessThanOrEqual(bound + 2 ** -24);
      }
    }
  });

  it('accepted bytes are canonical: encodeFrame(decodeFrame(b)) = b for any one byte changed', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (frame, at, value) => {
        const bytes = encodeFrame(frame);
        const changed = bytes.slice();
        changed[at % HEADER_BYTES] = value;
        const decoded = decodeFrame(changed);
        if (decoded.ok) expect(encodeFrame(decoded.value)).toEqual(changed);
      }),
      runs(1000),
    );
  });
});

describe('peekHeader', () => {
  it('reads the header and the declared payload length from the first HEADER_BYTES bytes', () => {
    fc.assert(
      fc.property(frameArb, (frame) => {
        const bytes = encodeFrame(frame);
        const head = peekHeader(bytes.subarray(0, HEADER_BYTES));
        if (!head.ok) throw head.error;
        const { payload, ...fields } = frame;
        expect(head.value).toEqual({
          ...fields,
          payloadLength: payload.length,
          frameLength: HEADER_BYTES + payload.length,
        });
      }),
      runs(200),
    );
  });

  it('refuses an oversized frame from its header alone, before any payload arrives', () => {
    const frame = { ...int8Result(), shape: [1000, 1000], payload: new Uint8Array(1_000_000) };
    const header = encodeFrame(frame).subarray(0, HEADER_BYTES);
    const head = peekHeader(header, { maxPayloadBytes: 999_999 });
    expect(head.ok).toBe(false);
    if (head.ok) return;
    expect(head.error).toBeInstanceOf(ProtocolError);
    expect(head.error.code).toBe('EDGENT_ERR_FRAME_TOO_LARGE');
    expect(head.error.message).toBe('payload of 1000000 bytes is above the limit of 999999 bytes');
    expect(peekHeader(header, { maxPayloadBytes: 1_000_000 }).ok).toBe(true);
  });

  it('says truncated while fewer than HEADER_BYTES bytes have arrived', () => {
    const bytes = encodeFrame(int8Result());
    const head = peekHeader(bytes.subarray(0, HEADER_BYTES - 1));
    expect(head.ok || head.error.code).toBe('EDGENT_ERR_FRAME_TRUNCATED');
  });
});

describe('encodeFrame refuses frames it cannot encode', () => {
  const cases: [string, Partial<Frame>, string, RegExp][] = [
    [
      'request id below 0',
      { requestId: -1 },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /requestId -1 is not an integer in 0..4294967295/,
    ],
    [
      'request id above u32',
      { requestId: 2 ** 32 },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /requestId 4294967296/,
    ],
    ['fractional request id', { requestId: 1.5 }, 'EDGENT_ERR_FRAME_BAD_FIELD', /requestId 1.5/],
    [
      'exit above u8',
      { exit: 256 },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /exit 256 is not an integer in 0..255/,
    ],
    ['partition below 0', { partition: -1 }, 'EDGENT_ERR_FRAME_BAD_FIELD', /partition -1/],
    ['flags above u8', { flags: 256 }, 'EDGENT_ERR_FRAME_BAD_FIELD', /flags 256/],
    [
      'model prefix in upper case',
      { modelPrefix: '0123456789ABCDEF' },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /modelPrefix "0123456789ABCDEF" is not 16 lowercase hex digits/,
    ],
    [
      'a whole hash as model prefix',
      { modelPrefix: HASH },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /modelPrefixOf/,
    ],
    [
      'rank 7',
      { shape: [1, 1, 1, 1, 1, 1, 3] },
      'EDGENT_ERR_FRAME_BAD_RANK',
      /rank 7 is above the maximum 6/,
    ],
    ['negative dim', { shape: [-1, -3] }, 'EDGENT_ERR_FRAME_BAD_RANK', /dim 0 -1/],
    [
      'payload not matching the shape',
      { shape: [2, 3] },
      'EDGENT_ERR_FRAME_LENGTH_MISMATCH',
      /payload length 3 does not match shape \[2, 3\] of int8, which needs 6 bytes/,
    ],
    [
      'int8 without scale',
      { scale: undefined },
      'EDGENT_ERR_FRAME_BAD_QUANT',
      /needs scale and zeroPoint/,
    ],
    [
      'int8 scale 0',
      { scale: 0 },
      'EDGENT_ERR_FRAME_BAD_QUANT',
      /int8 scale 0 is not a finite number > 0/,
    ],
    ['int8 scale NaN', { scale: Number.NaN }, 'EDGENT_ERR_FRAME_BAD_QUANT', /int8 scale NaN/],
    [
      'int8 scale below float32',
      { scale: 1e-50 },
      'EDGENT_ERR_FRAME_BAD_QUANT',
      /int8 scale 1e-50 is not a finite number > 0 \(as float32\)/,
    ],
    [
      'int8 zero point 128',
      { zeroPoint: 128 },
      'EDGENT_ERR_FRAME_BAD_QUANT',
      /int8 zero point 128 is not an integer in -128..127/,
    ],
    [
      'int8 zero point 2^40',
      { zeroPoint: 2 ** 40 },
      'EDGENT_ERR_FRAME_BAD_QUANT',
      /int8 zero point 1099511627776 is not an integer/,
    ],
    [
      'fractional zero point',
      { zeroPoint: 1.5 },
      'EDGENT_ERR_FRAME_BAD_QUANT',
      /zero point 1.5 is not an integer/,
    ],
    [
      'scale on float32',
      { dtype: 'float32', payload: new Uint8Array(12) },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /scale and zeroPoint are for int8 only, not float32/,
    ],
    [
      'result without timing',
      { timing: undefined },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /got a result frame without timing/,
    ],
    [
      'request with timing',
      { type: 'request' },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /got a request frame with timing/,
    ],
    [
      'negative timing',
      { timing: { queueMs: -1, decodeMs: 0, computeMs: 0 } },
      'EDGENT_ERR_FRAME_BAD_FIELD',
      /timing queueMs is -1, expected a finite number >= 0/,
    ],
    [
      'unknown type',
      { type: 'hello' as Frame['type'] },
      'EDGENT_ERR_FRAME_BAD_TYPE',
      /message type "hello" is unknown; valid: request, result, error, probe, probeReply/,
    ],
    [
      'unknown dtype',
      { dtype: 'bfloat16' as Frame['dtype'] },
      'EDGENT_ERR_FRAME_BAD_DTYPE',
      /dtype "bfloat16" is unknown; valid: float32, float16, int8, uint8/,
    ],
  ];
  it.each(cases)('%s', (_name, change, code, message) => {
    const frame: Frame = { ...int8Result(), ...change };
    for (const key of Object.keys(change) as (keyof Frame)[]) {
      if (change[key] === undefined) delete frame[key];
    }
    let thrown: unknown;
    try {
      encodeFrame(frame);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(code);
    expect((thrown as ProtocolError).message).toMatch(message);
  });
});

describe('jpeg frames', () => {
  const jpegFrame = (payload: Uint8Array): Frame => ({
    type: 'request',
    flags: 0,
    requestId: 1,
    modelPrefix: '0123456789abcdef',
    exit: 4,
    partition: 0,
    dtype: 'jpeg',
    shape: [1, 64, 64, 3],
    payload,
  });

  it("carries the image's bytes, whatever their count, with the decoded tensor's dims", () => {
    const payload = Uint8Array.from({ length: 1234 }, (_, i) => i % 251);
    const decoded = decodeFrame(encodeFrame(jpegFrame(payload)));
    expect(decoded.ok && decoded.value.dtype).toBe('jpeg');
    expect(decoded.ok && [...decoded.value.shape]).toEqual([1, 64, 64, 3]);
    expect(decoded.ok && [...decoded.value.payload]).toEqual([...payload]);
  });

  it('refuses an empty image', () => {
    expect(() => encodeFrame(jpegFrame(new Uint8Array(0)))).toThrow(/payload length 0/);
  });
});
