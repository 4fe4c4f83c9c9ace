/**
 * Tensor codec: float16 conversion against IEEE binary16 (known values, every
 * bit pattern, nearest-even on random floats), int8 and uint8 error bounds,
 * float32 bit exactness, and what the codec refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeTensor,
  dequantizeInt8,
  encodeTensor,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  int8Params,
  ProtocolError,
  quantizeInt8,
  type TensorDType,
} from '../src/index';
import { finiteF32Arb, runs } from './arbitraries';

const HALF_MAX = 65504;
const HALF_MIN_NORMAL = 2 ** -14;

function codeOfThrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as ProtocolError).code;
  }
  return 'no error';
}

describe('float16', () => {
  const known: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [1 / 3, 0x3555],
    [0.1, 0x2e66],
    [HALF_MAX, 0x7bff],
    [65519, 0x7bff], // just below the midpoint to 65536
    [65520, 0x7c00], // the midpoint: ties to even, which is Inf
    [1e6, 0x7c00],
    [-1e6, 0xfc00],
    [Number.POSITIVE_INFINITY, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
    [HALF_MIN_NORMAL, 0x0400],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // half of it: ties to even, 0
    [Math.fround(2 ** -25 * (1 + 2 ** -23)), 0x0001], // just above half rounds up
    [3 * 2 ** -25, 0x0002], // 1.5 subnormal steps: ties to even, 2
    [-(2 ** -24) * 1023, 0x83ff], // largest subnormal
    [1023.5 * 2 ** -24, 0x0400], // rounds up from subnormal into the smallest normal
    [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01: even
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02: even
    [2 ** -30, 0x0000],
    [1e-45, 0x0000], // a float32 subnormal
  ];
  it.each(known)('%d -> bits %d', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('NaN stays NaN both ways, whatever its sign and payload', () => {
    for (const bits of [0x7e00, 0x7c01, 0xfe00, 0x7fff]) {
      expect(float16BitsToFloat32(bits)).toBeNaN();
    }
    const h = float32ToFloat16Bits(Number.NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x3ff).not.toBe(0);
    // A float32 NaN whose payload sits only in the low mantissa bits must not become Inf.
    const f = new Float32Array(new Uint32Array([0x7f80_0001]).buffer)[0] ?? 0;
    expect(float16BitsToFloat32(float32ToFloat16Bits(f))).toBeNaN();
  });

  it('every one of the 65536 bit patterns converts to float32 and back to itself (NaN to a NaN)', () => {
    let checked = 0;
    for (let bits = 0; bits <= 0xffff; bits++) {
      const value = float16BitsToFloat32(bits);
      const back = float32ToFloat16Bits(value);
      if (Number.isNaN(value)) expect(Number.isNaN(float16BitsToFloat32(back))).toBe(true);
      else if (back !== bits) expect(back).toBe(bits);
      checked++;
    }
    expect(checked).toBe(65536);
  });

  it('picks the nearest half, ties to even, within 2^-11 relative (normal) or 2^-25 (subnormal)', () => {
    fc.assert(
      fc.property(fc.float({ min: -65519, max: 65519, noNaN: true }), (x) => {
        const h = float32ToFloat16Bits(x);
        const d = float16BitsToFloat32(h);
        const error = Math.abs(d - x);
        if (Math.abs(x) >= HALF_MIN_NORMAL)
          expect(error).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11);
        else expect(error).toBeLessThanOrEqual(2 ** -25);
        // No neighbour is nearer; at a tie the even one wins.
        for (const n of [h - 1, h + 1]) {
          if ((n & 0x7fff) > 0x7bff || (n & 0x8000) !== (h & 0x8000)) continue;
          const other = Math.abs(float16BitsToFloat32(n) - x);
          expect(other).toBeGreaterThanOrEqual(error);
          if (other === error && !Object.is(x, -0) && x !== 0) expect(h & 1).toBe(0);
        }
      }),
      runs(5000),
    );
  });

  it('overflows to Inf of the same sign beyond the half range', () => {
    fc.assert(
      fc.property(fc.float({ min: 65520, noNaN: true }), fc.boolean(), (x, negative) => {
        expect(float32ToFloat16Bits(negative ? -x : x)).toBe(negative ? 0xfc00 : 0x7c00);
      }),
      runs(500),
    );
  });

  it('encodeTensor writes little-endian halves and decodeTensor reads them back exactly', () => {
    const values = new Float32Array([1, -2, 0.5, HALF_MAX, 2 ** -24, Number.NEGATIVE_INFINITY]);
    const { payload } = encodeTensor(values, [2, 3], 'float16');
    expect([...payload.subarray(0, 4)]).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    expect(decodeTensor({ dtype: 'float16', shape: [2, 3], payload })).toEqual(values);
  });
});

describe('int8', () => {
  const arrays = fc.oneof(
    fc.array(finiteF32Arb, { minLength: 1, maxLength: 64 }),
    fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: 64 }),
    fc.array(fc.float({ min: 0, max: 6, noNaN: true }), { minLength: 1, maxLength: 64 }), // ReLU-like
    fc.array(fc.float({ min: Math.fround(1e-30), max: Math.fround(1e-29), noNaN: true }), {
      minLength: 1,
      maxLength: 8,
    }),
  );

  it('round trip error is at most scale / 2 (plus float32 rounding of the result)', () => {
    fc.assert(
      fc.property(arrays, (list) => {
        const values = new Float32Array(list);
        const encoded = encodeTensor(values, [values.length], 'int8');
        const { scale = Number.NaN, zeroPoint = Number.NaN } = encoded;
        expect(Math.fround(scale)).toBe(scale);
        expect(scale).toBeGreaterThan(0);
        expect(Number.isInteger(zeroPoint) && zeroPoint >= -128 && zeroPoint <= 127).toBe(true);
        const out = decodeTensor(encoded);
        for (const [i, v] of values.entries()) {
          const bound = scale / 2 + Math.abs(v) * 2 ** -23;
          expect(Math.abs((out[i] ?? Number.NaN) - v)).toBeLessThanOrEqual(bound);
        }
      }),
      runs(1000),
    );
  });

  it('zero is exact, whatever the range', () => {
    fc.assert(
      fc.property(arrays, (list) => {
        const values = new Float32Array([...list, 0]);
        const out = decodeTensor(encodeTensor(values, [values.length], 'int8'));
        expect(out[values.length - 1]).toBe(0);
      }),
      runs(300),
    );
  });

  it('parameters: an all-zero range gets scale 1, a [0, 2.55] range scale 0.01 and zero point -128', () => {
    expect(int8Params(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
    const relu = int8Params(0, 2.55);
    expect(relu.zeroPoint).toBe(-128);
    expect(relu.scale).toBeCloseTo(0.01, 7);
    const symmetric = int8Params(-1, 1).zeroPoint;
    expect([-1, 0]).toContain(symmetric); // -128 + 127.5, after float32 rounding of the scale
    expect(Object.is(symmetric, -0)).toBe(false);
    // Only positive values still include 0 in the range.
    expect(int8Params(5, 6)).toEqual(int8Params(0, 6));
  });

  it('quantizeInt8 clamps values outside the range to -128 and 127', () => {
    const params = { scale: 0.5, zeroPoint: 0 };
    expect([...quantizeInt8(new Float32Array([-1000, -1, 0, 1, 1000]), params)]).toEqual([
      -128, -2, 0, 2, 127,
    ]);
    expect([...dequantizeInt8(new Int8Array([-128, 0, 127]), params)]).toEqual([-64, 0, 63.5]);
  });

  it('refuses NaN and infinite values with EDGENT_ERR_TENSOR_NOT_FINITE naming the index', () => {
    expect(codeOfThrown(() => encodeTensor(new Float32Array([1, Number.NaN]), [2], 'int8'))).toBe(
      'EDGENT_ERR_TENSOR_NOT_FINITE',
    );
    expect(() => encodeTensor(new Float32Array([Number.POSITIVE_INFINITY]), [1], 'int8')).toThrow(
      'value Infinity at index 0 cannot be quantised to int8',
    );
  });

  it('decodeTensor refuses int8 without a usable scale and zero point', () => {
    const payload = new Uint8Array(2);
    for (const quant of [
      {},
      { scale: 0, zeroPoint: 0 },
      { scale: 1, zeroPoint: 200 },
      { scale: 1, zeroPoint: 0.5 },
    ]) {
      expect(
        codeOfThrown(() => decodeTensor({ dtype: 'int8', shape: [2], payload, ...quant })),
      ).toBe('EDGENT_ERR_TENSOR_BAD_QUANT');
    }
  });
});

describe('uint8 (raw images)', () => {
  it('every byte k round-trips exactly, as it is (no scaling)', () => {
    const values = new Float32Array(256).map((_, k) => k);
    const encoded = encodeTensor(values, [16, 16], 'uint8');
    expect([...encoded.payload]).toEqual([...Array(256).keys()]);
    expect(decodeTensor(encoded)).toEqual(values);
  });

  it('values in [0, 255] come back within 1/2; outside they clamp, NaN becomes 0', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: 0, max: 255, noNaN: true }), { maxLength: 64 }),
        (list) => {
          const values = new Float32Array(list);
          const out = decodeTensor(encodeTensor(values, [values.length], 'uint8'));
          for (const [i, v] of values.entries()) {
            expect(Math.abs((out[i] ?? Number.NaN) - v)).toBeLessThanOrEqual(0.5);
          }
        },
      ),
      runs(500),
    );
    const { payload } = encodeTensor(new Float32Array([-0.6, 300, Number.NaN]), [3], 'uint8');
    expect([...payload]).toEqual([0, 255, 0]);
  });
});

describe('float32', () => {
  it('keeps every bit, -0 and NaN included, at any byte offset', () => {
    fc.assert(
      fc.property(fc.array(fc.float(), { maxLength: 64 }), fc.nat({ max: 3 }), (list, offset) => {
        const values = new Float32Array(list);
        const { payload } = encodeTensor(values, [values.length], 'float32');
        const shifted = new Uint8Array(offset + payload.length);
        shifted.set(payload, offset);
        const out = decodeTensor({
          dtype: 'float32',
          shape: [values.length],
          payload: shifted.subarray(offset),
        });
        expect(new Uint32Array(out.buffer)).toEqual(new Uint32Array(values.buffer));
      }),
      runs(300),
    );
  });
});

describe('shape checks', () => {
  const dtypes: TensorDType[] = ['float32', 'float16', 'int8', 'uint8'];
  it.each(dtypes)('%s: encodeTensor refuses values that do not fill the shape', (dtype) => {
    expect(() => encodeTensor(new Float32Array(5), [2, 3], dtype)).toThrow(
      '5 values do not fill shape [2, 3], which has 6 elements',
    );
  });
  it.each(dtypes)('%s: decodeTensor refuses a payload that does not match the shape', (dtype) => {
    const call = () =>
      decodeTensor({ dtype, shape: [2, 3], payload: new Uint8Array(7), scale: 1, zeroPoint: 0 });
    expect(codeOfThrown(call)).toBe('EDGENT_ERR_TENSOR_SHAPE_MISMATCH');
  });
  it('a scalar has one element and an empty dim none', () => {
    expect(encodeTensor(new Float32Array([3]), [], 'float32').payload.length).toBe(4);
    expect(encodeTensor(new Float32Array(0), [4, 0, 2], 'float16').payload.length).toBe(0);
  });
});
