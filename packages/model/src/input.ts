import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from './spec';

/**
 * The one place raw pixels become the model's input. Everything else (the
 * datasets, the page, `edgent device`, the frames on the wire, the edge)
 * carries the raw bytes, 0..255, row-major in NHWC order; the models take
 * them scaled to [0, 1].
 */

/** The input values of raw pixels `bytes` (0..255), written at `offset` of `out`. */
export function inputValues(
  bytes: ArrayLike<number>,
  out: Float32Array = new Float32Array(bytes.length),
  offset = 0,
): Float32Array {
  for (let i = 0; i < bytes.length; i++) out[offset + i] = (bytes[i] as number) / 255;
  return out;
}

/**
 * A batch of the model's inputs from raw pixels: `bytes` holds N whole
 * images of `spec.input`; the tensor is [N, ...spec.input], float32.
 *
 * @example const x = inputTensor(model.spec, pixels); // pixels: 28 * 28 bytes
 */
export function inputTensor(spec: Pick<ModelSpec, 'input'>, bytes: ArrayLike<number>): tf.Tensor {
  const per = spec.input.reduce((a, b) => a * b, 1);
  if (bytes.length === 0 || bytes.length % per !== 0) {
    throw new RangeError(
      `input [${spec.input.join(', ')}] takes whole images of ${per} bytes; got ${bytes.length}`,
    );
  }
  return tf.tensor(inputValues(bytes), [bytes.length / per, ...spec.input], 'float32');
}
