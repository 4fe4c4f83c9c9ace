import * as tf from '@tensorflow/tfjs-core';
import { composeFrame, frameSeed } from '../data/compose';
import type { Dataset } from '../data/index';
import { inputValues } from '../input';
import { seededRng } from '../random';
import { type MultiExitModel, modelFromWeights, weightValues } from '../run';
import { type ModelSpec, weightShapes } from '../spec';
import { jointLoss } from './loss';

type NamedTensor = { name: string; tensor: tf.Tensor };

/** Gradient of the joint loss over a shard, summed (not averaged) over its examples. */
export interface ShardGradients {
  /** Every weight's gradient, flattened in `weightShapes(spec)` order, times the shard size. */
  grads: Float32Array;
  count: number;
  lossSum: number;
  exitLossSum: number[];
  exitCorrect: number[];
}

/** Adam's state, flattened in weight order: step count, first and second moments. */
export interface OptimizerState {
  iterations: number;
  m: Float32Array;
  v: Float32Array;
}

/**
 * One copy of the model and its optimiser. Replicas given the same weights
 * and the same averaged gradients stay identical, which is how training
 * spreads a batch over worker threads.
 */
export class Replica {
  readonly model: MultiExitModel;
  private readonly optimizer: tf.AdamOptimizer;
  private readonly sizes: number[];

  constructor(
    spec: ModelSpec,
    weights: ReadonlyMap<string, Float32Array>,
    private readonly data: Dataset,
    private readonly exitWeights: readonly number[],
    learningRate: number,
  ) {
    this.model = modelFromWeights(spec, weights, true);
    this.optimizer = tf.train.adam(learningRate);
    this.sizes = weightShapes(spec).map((w) => w.shape.reduce((a, b) => a * b, 1));
  }

  setLearningRate(lr: number): void {
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
  }

  /** Gradients over the examples `indices`; `seed` drives the dropout masks. */
  computeGradients(indices: Uint32Array, seed: number): ShardGradients {
    const n = indices.length;
    const rng = seededRng(seed);
    const vars = [...this.model.weights.values()] as tf.Variable[];
    const { x, y } = gatherBatch(this.data, indices, seed);
    let stats: tf.Tensor[] = [];
    const { grads, value } = tf.variableGrads(() => {
      const r = jointLoss(this.model, x, y, this.exitWeights, rng);
      stats = [tf.keep(tf.stack(r.exitLoss)), tf.keep(tf.stack(r.exitCorrect))];
      return r.loss;
    }, vars);
    const flat = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    vars.forEach((v, i) => {
      const g = grads[v.name]?.dataSync() as Float32Array;
      for (let k = 0; k < g.length; k++) flat[offset + k] = (g[k] as number) * n;
      offset += this.sizes[i] as number;
    });
    const exitLoss = [...(stats[0]?.dataSync() ?? [])].map((l) => l * n);
    const exitCorrect = [...(stats[1]?.dataSync() ?? [])];
    const lossSum = (value.dataSync()[0] as number) * n;
    tf.dispose([x, y, value, ...stats, ...Object.values(grads)]);
    return { grads: flat, count: n, lossSum, exitLossSum: exitLoss, exitCorrect };
  }

  /** Applies one Adam step with the mean gradient `flat` (weight order). */
  applyGradients(flat: Float32Array): void {
    const named: NamedTensor[] = [];
    let offset = 0;
    let i = 0;
    for (const v of this.model.weights.values()) {
      const size = this.sizes[i++] as number;
      named.push({
        name: (v as tf.Variable).name,
        tensor: tf.tensor(flat.subarray(offset, offset + size), v.shape),
      });
      offset += size;
    }
    this.optimizer.applyGradients(named);
    tf.dispose(named.map((n) => n.tensor));
  }

  weights(): Map<string, Float32Array> {
    return weightValues(this.model);
  }

  async optimizerState(): Promise<OptimizerState> {
    const w = await this.optimizer.getWeights();
    const count = this.sizes.length;
    const iterations = (w[0]?.tensor.dataSync()[0] as number) ?? 0;
    const flatten = (part: NamedTensor[]) => {
      const out = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
      let offset = 0;
      part.forEach((t) => {
        const d = t.tensor.dataSync() as Float32Array;
        out.set(d, offset);
        offset += d.length;
      });
      return out;
    };
    const m = flatten(w.slice(1, 1 + count));
    const v = flatten(w.slice(1 + count, 1 + 2 * count));
    w[0]?.tensor.dispose(); // getWeights makes a new scalar for the step count
    return { iterations, m, v };
  }

  async setOptimizerState(state: OptimizerState): Promise<void> {
    const vars = [...this.model.weights.values()] as tf.Variable[];
    const split = (flat: Float32Array, suffix: string) => {
      let offset = 0;
      return vars.map((v, i) => {
        const size = this.sizes[i] as number;
        const t = tf.tensor(flat.subarray(offset, offset + size), v.shape);
        offset += size;
        return { name: `${v.name}/${suffix}`, tensor: t };
      });
    };
    const given = [
      { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
      ...split(state.m, 'm'),
      ...split(state.v, 'v'),
    ];
    await this.optimizer.setWeights(given);
    tf.dispose(given.map((g) => g.tensor)); // setWeights keeps copies as variables
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const t of this.model.weights.values()) t.dispose();
  }
}

/**
 * Copies the examples `indices` into one batch tensor and its int32 labels.
 * A composed data set's frames are made here; `variant` (0 for the fixed
 * test frames) varies them between training steps.
 */
export function gatherBatch(
  data: Dataset,
  indices: ArrayLike<number>,
  variant = 0,
): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const per = data.height * data.width * data.channels;
  const n = indices.length;
  const xs = new Float32Array(n * per);
  const ys = new Int32Array(n);
  const { composition } = data;
  const itemBytes = 28 * 28;
  for (let i = 0; i < n; i++) {
    const k = indices[i] as number;
    if (composition) {
      const item = data.images.subarray(k * itemBytes, (k + 1) * itemBytes);
      inputValues(composeFrame(item, composition, frameSeed(composition, k, variant)), xs, i * per);
    } else {
      inputValues(data.images.subarray(k * per, (k + 1) * per), xs, i * per);
    }
    ys[i] = data.labels[k] as number;
  }
  return {
    x: tf.tensor4d(xs, [n, data.height, data.width, data.channels]),
    y: tf.tensor1d(ys, 'int32'),
  };
}
