/**
 * Tensor values to and from frame payloads, all little-endian:
 *
 * - float32: the values as they are.
 * - float16: IEEE 754 binary16, round to nearest even; subnormals, ±0, ±Inf
 *   and NaN kept (NaN stays NaN, its payload is not preserved bit for bit).
 *   Values beyond ±65504 (after rounding) become ±Inf.
 * - int8: affine quantisation, value = scale x (q - zeroPoint). The range is
 *   [min(min, 0), max(max, 0)] of the values, so 0 is exact (ReLU outputs and
 *   padding stay exactly 0); scale = range / 255, stored as float32. Every
 *   value is recovered within scale / 2 (up to float32 rounding).
 * - uint8: raw image bytes, 0..255, as they are (values are rounded and
 *   clamped to 0..255 when encoded). The model turns them into its input
 *   (`inputValues` of @edgent/model); nothing here scales them.
 *
 * Pure: no I/O, no Node-only API.
 */
import { ProtocolError } from './errors';
import { DTYPE_BYTES, type DType, elementCount, type TensorDType } from './frame';

/** A tensor's payload with what is needed to read it back; spreads into a Frame or a request. */
export interface EncodedTensor {
  dtype: DType;
  /** Including the batch dimension. */
  shape: readonly number[];
  /** The bytes, little-endian. */
  payload: Uint8Array;
  /** int8 only: value = scale x (q - zeroPoint). */
  scale?: number;
  /** int8 only, -128..127. */
  zeroPoint?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const F32_MAX = 3.4028234663852886e38;

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/**
 * IEEE binary16 bits of a number (first rounded to float32), round to
 * nearest even.
 *
 * @example float32ToFloat16Bits(1); // 0x3c00
 */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7f_ffff;
  if (exp === 0xff) {
    // Inf, or NaN (quiet bit set so a payload in low bits only stays NaN).
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 127 + 15; // binary16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal in binary16 (or zero): value = m x 2^-24, m = M x 2^(e - 14).
    if (e < -10) return sign; // below half the smallest subnormal
    const full = mant | 0x80_0000;
    const shift = 14 - e; // 14..24
    const m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    // A carry into bit 10 makes the smallest normal, which is the right answer.
    return sign | (rem > half || (rem === half && (m & 1) === 1) ? m + 1 : m);
  }
  const h = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to Inf: both right.
  return rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1) ? h + 1 : h;
}

/**
 * The number an IEEE binary16 bit pattern holds.
 *
 * @example float16BitsToFloat32(0x3c00); // 1
 */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** Scale and zero point of int8 affine quantisation for values in [min, max]. */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/**
 * int8 parameters covering [min(min, 0), max(max, 0)]; scale is a float32
 * value > 0 (1 when the range is empty), zeroPoint in -128..127.
 *
 * @example int8Params(0, 2.55); // { scale: ≈0.01, zeroPoint: -128 }
 */
export function int8Params(min: number, max: number): QuantParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new ProtocolError(
      'EDGENT_ERR_TENSOR_NOT_FINITE',
      `int8 range [${min}, ${max}] is not a finite interval`,
    );
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (hi === lo) return { scale: 1, zeroPoint: 0 }; // all zeros: any scale is exact
  let scale = Math.fround((hi - lo) / 255);
  // float32 rounding may have shrunk the scale; 255 steps must cover the range.
  while (!(255 * scale >= hi - lo)) scale = nextFloat32Up(scale);
  // + 0 turns a -0 from Math.round into 0.
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale))) + 0;
  return { scale, zeroPoint };
}

/** int8 codes of values with the given parameters (rounded half away from zero, clamped). */
export function quantizeInt8(values: Float32Array, { scale, zeroPoint }: QuantParams): Int8Array {
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = roundHalfAway((values[i] ?? 0) / scale) + zeroPoint;
    out[i] = Math.max(-128, Math.min(127, q));
  }
  return out;
}

/** Values of int8 codes: scale x (q - zeroPoint). */
export function dequantizeInt8(codes: Int8Array, { scale, zeroPoint }: QuantParams): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    // Clamped so a range reaching the float32 limit does not come back as Inf.
    out[i] = Math.max(-F32_MAX, Math.min(F32_MAX, scale * ((codes[i] ?? 0) - zeroPoint)));
  }
  return out;
}

function nextFloat32Up(x: number): number {
  f32Scratch[0] = x;
  u32Scratch[0] = (u32Scratch[0] ?? 0) + 1; // x is a finite float32 >= 0
  return f32Scratch[0] ?? x;
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * Encodes values of `shape` as `dtype` into a payload (a new buffer). Throws
 * EDGENT_ERR_TENSOR_SHAPE_MISMATCH when the counts differ and
 * EDGENT_ERR_TENSOR_NOT_FINITE for int8 of NaN or infinite values.
 *
 * @example encodeTensor(logits, [10], 'float32'); // { dtype, shape, payload: 40 bytes }
 */
export function encodeTensor(
  values: Float32Array,
  shape: readonly number[],
  dtype: TensorDType,
): EncodedTensor {
  const n = elementCount(shape);
  if (values.length !== n) {
    throw new ProtocolError(
      'EDGENT_ERR_TENSOR_SHAPE_MISMATCH',
      `${values.length} values do not fill shape [${shape.join(', ')}], which has ${n} elements`,
    );
  }
  const shapeCopy = [...shape];
  switch (dtype) {
    case 'float32': {
      const payload = new Uint8Array(4 * n);
      if (LITTLE_ENDIAN) {
        payload.set(new Uint8Array(values.buffer, values.byteOffset, 4 * n));
      } else {
        const view = new DataView(payload.buffer);
        for (let i = 0; i < n; i++) view.setFloat32(4 * i, values[i] ?? 0, true);
      }
      return { dtype, shape: shapeCopy, payload };
    }
    case 'float16': {
      const payload = new Uint8Array(2 * n);
      for (let i = 0; i < n; i++) {
        const h = float32ToFloat16Bits(values[i] ?? 0);
        payload[2 * i] = h & 0xff;
        payload[2 * i + 1] = h >>> 8;
      }
      return { dtype, shape: shapeCopy, payload };
    }
    case 'int8': {
      let min = 0;
      let max = 0;
      for (let i = 0; i < n; i++) {
        const v = values[i] ?? 0;
        if (!Number.isFinite(v)) {
          throw new ProtocolError(
            'EDGENT_ERR_TENSOR_NOT_FINITE',
            `value ${v} at index ${i} cannot be quantised to int8`,
          );
        }
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const params = int8Params(min, max);
      const codes = quantizeInt8(values, params);
      return {
        dtype,
        shape: shapeCopy,
        payload: new Uint8Array(codes.buffer),
        scale: params.scale,
        zeroPoint: params.zeroPoint,
      };
    }
    case 'uint8': {
      const payload = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const q = Math.round(values[i] ?? 0);
        payload[i] = Math.max(0, Math.min(255, q)); // NaN becomes 0 on the store
      }
      return { dtype, shape: shapeCopy, payload };
    }
  }
}

/**
 * Values of an encoded tensor (a decoded Frame will do), as a new
 * Float32Array. Throws EDGENT_ERR_TENSOR_SHAPE_MISMATCH when the payload
 * length is not the shape's element count times the dtype size, and
 * EDGENT_ERR_TENSOR_BAD_QUANT for int8 without a usable scale and zero point.
 */
export function decodeTensor(tensor: EncodedTensor): Float32Array {
  const { dtype, shape, payload } = tensor;
  if (dtype === 'jpeg') {
    throw new ProtocolError(
      'EDGENT_ERR_TENSOR_SHAPE_MISMATCH',
      'a jpeg payload is an image file: decode it with an image decoder, not decodeTensor',
    );
  }
  const n = elementCount(shape);
  const size = DTYPE_BYTES[dtype];
  if (payload.length !== n * size) {
    throw new ProtocolError(
      'EDGENT_ERR_TENSOR_SHAPE_MISMATCH',
      `payload of ${payload.length} bytes does not match shape [${shape.join(', ')}] of ${dtype}, which needs ${n * size}`,
    );
  }
  switch (dtype) {
    case 'float32': {
      if (LITTLE_ENDIAN && payload.byteOffset % 4 === 0) {
        return new Float32Array(payload.buffer, payload.byteOffset, n).slice();
      }
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'float16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = float16BitsToFloat32((payload[2 * i] ?? 0) | ((payload[2 * i + 1] ?? 0) << 8));
      }
      return out;
    }
    case 'int8': {
      const { scale, zeroPoint } = tensor;
      if (
        scale === undefined ||
        zeroPoint === undefined ||
        !(Number.isFinite(scale) && scale > 0) ||
        !Number.isInteger(zeroPoint) ||
        zeroPoint < -128 ||
        zeroPoint > 127
      ) {
        throw new ProtocolError(
          'EDGENT_ERR_TENSOR_BAD_QUANT',
          `int8 needs a finite scale > 0 and an integer zero point in -128..127; got scale ${scale}, zero point ${zeroPoint}`,
        );
      }
      const codes = new Int8Array(payload.buffer, payload.byteOffset, n);
      return dequantizeInt8(codes, { scale, zeroPoint });
    }
    case 'uint8': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = payload[i] ?? 0;
      return out;
    }
  }
}
