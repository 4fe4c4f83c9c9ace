import * as tf from '@tensorflow/tfjs-core';
import { EdgentError } from './errors';
import { fakeInt8 } from './fake-int8';
import type { Rng } from './random';
import {
  describePath,
  type LayerRecord,
  type LayerSpec,
  type ModelSpec,
  pathLayers,
  type Shape,
  weightShapes,
} from './spec';

/** A model spec with its weights as tfjs tensors (variables when training). */
export interface MultiExitModel {
  spec: ModelSpec;
  weights: ReadonlyMap<string, tf.Tensor>;
}

/** Options for running layers. */
export interface RunOptions {
  /**
   * Training: apply dropout (needs `rng` for the masks' seeds) and pass
   * bottleneck outputs through their int8 round trip (`fakeInt8`).
   */
  training?: boolean;
  rng?: Rng;
  /**
   * Called with the batch mean and variance each batch-normalised convolution used (per filter),
   * for `batchNormStats`; the tensors are the caller's to keep or drop within its tidy.
   */
  onMoments?: (layer: string, mean: tf.Tensor, variance: tf.Tensor) => void;
}

/** Added to the variance before its square root, as Keras does. */
export const BATCH_NORM_EPSILON = 1e-3;

function weight(model: MultiExitModel, name: string): tf.Tensor {
  const w = model.weights.get(name);
  if (!w)
    throw new EdgentError(
      'EDGENT_ERR_BAD_WEIGHTS',
      `model ${model.spec.id} has no weight "${name}"`,
    );
  return w;
}

/** Runs one layer on a batch `x` ([N, ...inputShape]); the caller owns tidying. */
export function applyLayer(
  model: MultiExitModel,
  layer: LayerSpec,
  x: tf.Tensor,
  opts: RunOptions = {},
): tf.Tensor {
  switch (layer.kind) {
    case 'conv2d': {
      const y = tf.conv2d(
        x as tf.Tensor4D,
        weight(model, `${layer.name}/kernel`) as tf.Tensor4D,
        layer.stride,
        layer.padding,
      );
      const out = layer.batchNorm
        ? batchNorm(model, layer.name, y, opts)
        : tf.add(y, weight(model, `${layer.name}/bias`));
      // A bottleneck is trained through the int8 form it crosses the link in.
      return opts.training && layer.bottleneck ? fakeInt8(out) : out;
    }
    case 'relu':
      return tf.relu(x);
    case 'maxpool':
      return tf.maxPool(x as tf.Tensor4D, layer.size, layer.stride, layer.padding);
    case 'lrn':
      return tf.localResponseNormalization(
        x as tf.Tensor4D,
        layer.radius,
        layer.bias,
        layer.alpha,
        layer.beta,
      );
    case 'dropout':
      if (!opts.training || layer.rate === 0) return x;
      return tf.dropout(
        x,
        layer.rate,
        undefined,
        Math.floor((opts.rng?.() ?? Math.random()) * 2 ** 31),
      );
    case 'dense': {
      const flat = x.rank === 2 ? x : tf.reshape(x, [x.shape[0] as number, -1]);
      const y = tf.matMul(
        flat as tf.Tensor2D,
        weight(model, `${layer.name}/kernel`) as tf.Tensor2D,
      );
      return tf.add(y, weight(model, `${layer.name}/bias`));
    }
  }
}

/**
 * Batch normalisation with the batch's own statistics (a training spec has no population
 * statistics: they are folded in when training ends, see `foldBatchNorm`).
 */
function batchNorm(model: MultiExitModel, name: string, y: tf.Tensor, opts: RunOptions): tf.Tensor {
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  opts.onMoments?.(name, mean, variance);
  const normalised = tf.mul(tf.sub(y, mean), tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)));
  return tf.add(tf.mul(normalised, weight(model, `${name}/gamma`)), weight(model, `${name}/bias`));
}

const recordCache = new WeakMap<ModelSpec, LayerRecord[][]>();

/** The layer records of an exit path, computed once per spec object. */
function pathRecords(spec: ModelSpec, exit: number): LayerRecord[] {
  let paths = recordCache.get(spec);
  if (!paths) {
    paths = spec.exits.map((_, e) => describePath(spec, e).layers);
    recordCache.set(spec, paths);
  }
  return paths[exit] as LayerRecord[];
}

function sameShape(a: readonly number[], b: Shape): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Runs layers [from, to) of exit `exit`'s path on a batch `x` whose shape is
 * [N, ...input shape of layer `from`]. Returns a new tensor the caller owns;
 * intermediate tensors are freed. `from = 0, to = path length` is the whole path.
 *
 * @example const logits = runSlice(model, 4, 0, describePath(model.spec, 4).layers.length, x);
 */
export function runSlice(
  model: MultiExitModel,
  exit: number,
  from: number,
  to: number,
  x: tf.Tensor,
  opts: RunOptions = {},
): tf.Tensor {
  const { spec } = model;
  if (!Number.isInteger(exit) || exit < 0 || exit >= spec.exits.length) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_EXIT',
      `exit ${exit} out of range: model ${spec.id} has exits 0..${spec.exits.length - 1}`,
    );
  }
  const layers = pathLayers(spec, exit);
  if (
    !Number.isInteger(from) ||
    !Number.isInteger(to) ||
    from < 0 ||
    to > layers.length ||
    from > to
  ) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_PARTITION',
      `slice [${from}, ${to}) out of range for exit ${exit}, which has partitions 0..${layers.length}`,
    );
  }
  const records = pathRecords(spec, exit);
  const expected =
    from < records.length
      ? (records[from]?.inputShape as Shape)
      : (records[records.length - 1]?.outputShape as Shape);
  if (!sameShape(x.shape.slice(1), expected)) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_INPUT_SHAPE',
      `slice [${from}, ${to}) of exit ${exit} takes [N, ${expected.join(', ')}], got [${x.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    let y = x;
    for (let i = from; i < to; i++) y = applyLayer(model, layers[i] as LayerSpec, y, opts);
    // Empty slices and inference dropout hand back the input: the caller must own what it gets.
    return y === x ? tf.clone(x) : y;
  });
}

/**
 * Runs the whole model once, sharing the trunk between exits, and returns the
 * logits of every exit in exit order. Used for training and evaluation; not tidied
 * (call it inside tf.tidy or a gradient function).
 */
export function runAllExits(
  model: MultiExitModel,
  x: tf.Tensor,
  opts: RunOptions = {},
): tf.Tensor[] {
  const { spec } = model;
  const atDepth: tf.Tensor[] = [x];
  let y = x;
  for (const layer of spec.trunk) {
    y = applyLayer(model, layer, y, opts);
    atDepth.push(y);
  }
  return spec.exits.map((e) => {
    let z = atDepth[e.after] as tf.Tensor;
    for (const layer of e.branch) z = applyLayer(model, layer, z, opts);
    return z;
  });
}

/** How kernels start: Glorot-uniform, or He-uniform (variance 2 / fan-in, for ReLU stacks). */
export type InitScheme = 'glorot' | 'he';

/**
 * Uniform kernels (Glorot or He), zero biases and unit batch-norm scales for every weight of
 * `spec`, from a seed.
 */
export function initialWeights(
  spec: ModelSpec,
  rng: Rng,
  scheme: InitScheme = 'glorot',
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const { name, shape } of weightShapes(spec)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    if (name.endsWith('/kernel')) {
      const fanOut = shape[shape.length - 1] as number;
      const fanIn = n / fanOut;
      const receptive = shape.length === 4 ? (shape[0] as number) * (shape[1] as number) : 1;
      const limit =
        scheme === 'he' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut * receptive));
      for (let i = 0; i < n; i++) values[i] = (rng() * 2 - 1) * limit;
    } else if (name.endsWith('/gamma')) {
      values.fill(1);
    }
    out.set(name, values);
  }
  return out;
}

/** Wraps plain weight arrays as tensors (variables when `trainable`). */
export function modelFromWeights(
  spec: ModelSpec,
  values: ReadonlyMap<string, Float32Array>,
  trainable = false,
): MultiExitModel {
  const weights = new Map<string, tf.Tensor>();
  for (const { name, shape } of weightShapes(spec)) {
    const v = values.get(name);
    if (!v)
      throw new EdgentError(
        'EDGENT_ERR_BAD_WEIGHTS',
        `weights for model ${spec.id} lack "${name}"`,
      );
    const n = shape.reduce((a, b) => a * b, 1);
    if (v.length !== n) {
      throw new EdgentError(
        'EDGENT_ERR_BAD_WEIGHTS',
        `weight "${name}" has ${v.length} values, expected ${n} for shape [${shape}]`,
      );
    }
    const t = tf.tensor(v, shape, 'float32');
    weights.set(name, trainable ? tf.variable(t, true) : t);
    if (trainable) t.dispose();
  }
  return { spec, weights };
}

/** Frees the model's tensors. */
export function disposeModel(model: MultiExitModel): void {
  for (const t of model.weights.values()) t.dispose();
}

/** Reads the model's weights back into plain arrays. */
export function weightValues(model: MultiExitModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of model.weights) out.set(name, t.dataSync() as Float32Array);
  return out;
}
