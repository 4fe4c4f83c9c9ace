// The work of one request inside a worker: check it, decode the payload, run the tail, read back.
import {
  decodeJpeg,
  type ExitPath,
  inputValues,
  type MultiExitModel,
  runSlice,
  type Shape,
  tf,
} from '@edgent/model/node';
import {
  DTYPE_CODES,
  decodeTensor,
  elementCount,
  type InferenceRequest,
  type InferenceResult,
} from '@edgent/protocol';
import { EdgeError } from '../errors.js';

/**
 * Checks exit, partition, dtype and shape against the model's exit paths. Throws an EdgeError
 * whose message names the value received and the valid ones.
 */
function checkInput(modelId: string, paths: readonly ExitPath[], input: InferenceRequest): void {
  const { exit, partition, dtype, shape } = input;
  const path = Number.isInteger(exit) ? paths[exit] : undefined;
  if (path === undefined) {
    throw new EdgeError(
      'EDGENT_ERR_BAD_EXIT',
      `exit ${String(exit)} out of range: model ${modelId} has exits 0..${paths.length - 1}`,
    );
  }
  const n = path.layers.length;
  if (!Number.isInteger(partition) || partition < 0 || partition > n) {
    throw new EdgeError(
      'EDGENT_ERR_BAD_PARTITION',
      `partition ${String(partition)} out of range for exit ${exit}, which has partitions 0..${n}`,
    );
  }
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_CODES, dtype)) {
    throw new EdgeError(
      'EDGENT_ERR_BAD_DTYPE',
      `dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(DTYPE_CODES).join(', ')}`,
    );
  }
  if (dtype === 'uint8' && partition !== 0) {
    throw new EdgeError(
      'EDGENT_ERR_BAD_DTYPE',
      `a uint8 payload is the raw input image: it enters at partition 0, not partition ${partition}`,
    );
  }
  if (dtype === 'jpeg' && (partition !== 0 || path.layers[0]?.inputShape[2] !== 3)) {
    throw new EdgeError(
      'EDGENT_ERR_BAD_DTYPE',
      `a jpeg payload is an RGB input image: it enters at partition 0 of a model of colour frames, not partition ${partition} of model ${modelId}`,
    );
  }
  const expected = inputShapeAt(path, partition);
  const batch = Array.isArray(shape) ? shape[0] : undefined;
  const fits =
    Array.isArray(shape) &&
    shape.length === expected.length + 1 &&
    Number.isSafeInteger(batch) &&
    (batch as number) >= 1 &&
    expected.every((d, i) => shape[i + 1] === d);
  if (!fits) {
    const got = Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape);
    throw new EdgeError(
      'EDGENT_ERR_BAD_INPUT_SHAPE',
      `partition ${partition} of exit ${exit} takes [N, ${expected.join(', ')}] with N >= 1, got ${got}`,
    );
  }
}

/**
 * Runs layers [partition, end) of the exit path on the decoded payload and reads the scores
 * back. Frees every tensor it makes, also when it throws. `now` is a millisecond clock;
 * `queueMs` is how long the request waited for this worker, reported with the result.
 */
export function runInput(
  model: MultiExitModel,
  paths: readonly ExitPath[],
  input: InferenceRequest,
  now: () => number,
  queueMs: number,
): InferenceResult {
  checkInput(model.spec.id, paths, input);
  const end = (paths[input.exit] as ExitPath).layers.length;
  const t0 = now();
  const count = elementCount(input.shape);
  if (input.dtype === 'uint8' && input.payload.length !== count) {
    throw new EdgeError(
      'EDGENT_ERR_TENSOR_SHAPE_MISMATCH',
      `a uint8 payload of shape [${input.shape.join(', ')}] has ${count} bytes, got ${input.payload.length}`,
    );
  }
  // Raw pixels (uint8, or a JPEG decoded) become the model's input by the model's own rule.
  const values =
    input.dtype === 'jpeg'
      ? inputValues(jpegBytes(input))
      : input.dtype === 'uint8'
        ? inputValues(input.payload)
        : decodeTensor(input);
  const x = tf.tensor(values, [...input.shape], 'float32');
  const t1 = now();
  let y: tf.Tensor;
  try {
    y = runSlice(model, input.exit, input.partition, end, x);
  } finally {
    x.dispose();
  }
  try {
    const scores = (y.dataSync() as Float32Array).slice();
    return {
      scores,
      shape: [...y.shape],
      timing: { queueMs, decodeMs: t1 - t0, computeMs: now() - t1 },
    };
  } finally {
    y.dispose();
  }
}

/** The RGB bytes of a JPEG input, checked against the frame's dims. */
function jpegBytes(input: InferenceRequest): Uint8Array {
  const [, height = 0, width = 0] = input.shape;
  let decoded: { rgb: Uint8Array; width: number; height: number };
  try {
    decoded = decodeJpeg(input.payload, { width, height });
  } catch (error) {
    throw new EdgeError(
      'EDGENT_ERR_TENSOR_SHAPE_MISMATCH',
      `the jpeg payload of ${input.payload.length} bytes does not decode: ${(error as Error).message}`,
    );
  }
  if (input.shape[0] !== 1) {
    throw new EdgeError(
      'EDGENT_ERR_TENSOR_SHAPE_MISMATCH',
      `a jpeg payload is one image; the frame says [${input.shape.join(', ')}]`,
    );
  }
  return decoded.rgb;
}

/** Runs every exit path once on a zero input, so the first request pays no start-up cost. */
export function warmUp(model: MultiExitModel, paths: readonly ExitPath[]): void {
  const x = tf.zeros([1, ...model.spec.input]);
  try {
    for (const path of paths) {
      const y = runSlice(model, path.exit, 0, path.layers.length, x);
      y.dataSync();
      y.dispose();
    }
  } finally {
    x.dispose();
  }
}

/** Shape of one example entering layer `partition` of the path (the scores' shape at the end). */
function inputShapeAt(path: ExitPath, partition: number): Shape {
  const { layers } = path;
  const layer = partition < layers.length ? layers[partition] : layers[layers.length - 1];
  if (!layer) return [];
  return partition < layers.length ? layer.inputShape : layer.outputShape;
}
