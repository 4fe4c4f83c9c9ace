/**
 * fast-check arbitraries for frames and tensors, shared by the tests. Runs
 * are seeded so a failure reproduces; change SEED to explore further.
 */
import fc from 'fast-check';
import {
  carriesTiming,
  DTYPE_BYTES,
  type DType,
  elementCount,
  type Frame,
  MAX_RANK,
  type MessageType,
} from '../src/index';

const SEED = 20_240_611;

/** Options for fc.assert: seeded, with `numRuns` runs. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns };
}

const MESSAGE_TYPES: readonly MessageType[] = ['request', 'result', 'error', 'probe', 'probeReply'];
const DTYPES: readonly DType[] = ['float32', 'float16', 'int8', 'uint8', 'jpeg'];

const U32_MAX = 0xffff_ffff;
const F32_MIN_SUBNORMAL = 2 ** -149;
const F32_MAX = 3.4028234663852886e38;

/** Small shapes (rank 0..6, dims 0..5), or large-dim shapes with a zero dim (no elements). */
const shapeArb: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: MAX_RANK }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.integer({ min: 0, max: U32_MAX }), { minLength: 1, maxLength: MAX_RANK })
      .chain((dims) =>
        fc
          .nat({ max: dims.length - 1 })
          .map((zeroAt) => dims.map((d, i) => (i === zeroAt ? 0 : d))),
      ),
  },
);

const hex = (bytes: Uint8Array): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

const f32NonNegative = fc.float({ min: 0, max: F32_MAX, noNaN: true });

/** Frames encodeFrame accepts, of the given shapes, with float32-exact scale and timings. */
function framesOf(shapes: fc.Arbitrary<number[]>): fc.Arbitrary<Frame> {
  return fc
    .record({
      type: fc.constantFrom(...MESSAGE_TYPES),
      flags: fc.integer({ min: 0, max: 255 }),
      requestId: fc.integer({ min: 0, max: U32_MAX }),
      modelPrefix: fc.uint8Array({ minLength: 8, maxLength: 8 }).map(hex),
      exit: fc.integer({ min: 0, max: 255 }),
      partition: fc.integer({ min: 0, max: 255 }),
      dtype: fc.constantFrom(...DTYPES),
      shape: shapes,
      scale: fc.float({ min: F32_MIN_SUBNORMAL, max: F32_MAX, noNaN: true }),
      zeroPoint: fc.integer({ min: -128, max: 127 }),
      timing: fc.record({
        queueMs: f32NonNegative,
        decodeMs: f32NonNegative,
        computeMs: f32NonNegative,
      }),
    })
    .chain(({ scale, zeroPoint, timing, ...base }) => {
      // A JPEG's length is its own (at least 1 byte); other payloads fill the shape.
      const bytes =
        base.dtype === 'jpeg' ? undefined : elementCount(base.shape) * DTYPE_BYTES[base.dtype];
      const payloads =
        bytes === undefined
          ? fc.uint8Array({ minLength: 1, maxLength: 64 })
          : fc.uint8Array({ minLength: bytes, maxLength: bytes });
      return payloads.map((payload) => {
        const frame: Frame = { ...base, payload };
        if (base.dtype === 'int8') {
          frame.scale = scale;
          frame.zeroPoint = zeroPoint;
        }
        if (carriesTiming(base.type)) frame.timing = timing;
        return frame;
      });
    });
}

/** Any frame encodeFrame accepts. */
export const frameArb: fc.Arbitrary<Frame> = framesOf(shapeArb);

/** Frames of at most 81 elements (324 payload bytes), for byte-by-byte checks. */
export const smallFrameArb: fc.Arbitrary<Frame> = framesOf(
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
);

/** Float32 values of any kind a layer can output, NaN and infinities excluded. */
export const finiteF32Arb: fc.Arbitrary<number> = fc.float({
  noNaN: true,
  noDefaultInfinity: true,
});
