/**
 * Batch normalisation is trained, then folded: the folded plain convolutions
 * give what the batch-normalised ones give with the same statistics, on cpu
 * and wasm; the population statistics combine batches by the law of total
 * variance; the folded model is an ordinary spec.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/backend';
import { batchNormStats, foldBatchNorm, hasBatchNorm, withBatchNorm } from '../src/batch-norm';
import { registerWasmTrainingKernels } from '../src/kernels';
import { tinyMultiExit } from '../src/models/b-alexnet';
import { seededRng } from '../src/random';
import { initialWeights, modelFromWeights, runAllExits } from '../src/run';
import { describeModel, type ModelSpec, validateSpec, weightShapes } from '../src/spec';
import { foldTrained } from '../src/training/fold';
import { jointLoss } from '../src/training/loss';

/** The tiny model with both its convolutions batch-normalised. */
const bnSpec = (): ModelSpec => withBatchNorm(tinyMultiExit(3, [12, 12, 3]));

/** Weights whose gammas and biases are not the trivial 1 and 0. */
function trainedLike(spec: ModelSpec): Map<string, Float32Array> {
  const rng = seededRng(11);
  const w = initialWeights(spec, rng, 'he');
  for (const [name, v] of w) {
    for (let i = 0; i < v.length; i++) {
      if (name.endsWith('/gamma')) v[i] = 0.5 + rng();
      if (name.endsWith('/bias')) v[i] = rng() - 0.5;
    }
  }
  return w;
}

const batch = (seed: number, n: number) => {
  const rng = seededRng(seed);
  return tf.tensor(
    Float32Array.from({ length: n * 12 * 12 * 3 }, () => rng() * 2 - 1),
    [n, 12, 12, 3],
  );
};

describe.each(['cpu', 'wasm'] as const)('batch normalisation on %s', (backend) => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await useBackend(backend);
  });

  it('the folded convolutions give what batch normalisation gives with the same statistics', () => {
    const spec = bnSpec();
    const weights = trainedLike(spec);
    const model = modelFromWeights(spec, weights);
    const x = batch(3, 16);
    const stats = batchNormStats(model, [x]);
    expect([...stats.keys()]).toEqual(['c1', 'c2']);
    const folded = foldBatchNorm(spec, weights, stats);
    const plain = modelFromWeights(folded.spec, folded.weights);
    const [bn, fo] = tf.tidy(() => [
      runAllExits(model, x).map((t) => [...t.dataSync()]),
      runAllExits(plain, x).map((t) => [...t.dataSync()]),
    ]);
    for (let e = 0; e < spec.exits.length; e++) {
      const a = bn?.[e] as number[];
      const b = fo?.[e] as number[];
      expect(a.length).toBe(b.length);
      expect(Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))))).toBeLessThan(1e-4);
    }
    // Folding changed the weights: the test compares two different computations.
    expect(folded.weights.get('c1/kernel')).not.toEqual(weights.get('c1/kernel'));
    x.dispose();
  });

  it('trains gamma and the shift: the joint loss has a gradient for each', () => {
    const spec = bnSpec();
    const model = modelFromWeights(spec, trainedLike(spec), true);
    const x = batch(5, 8) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32');
    const vars = [...model.weights.values()] as tf.Variable[];
    const { grads, value } = tf.variableGrads(
      () => jointLoss(model, x, y, [0.5, 1], seededRng(1), false).loss,
      vars,
    );
    for (const name of ['c1/gamma', 'c1/bias', 'c2/gamma']) {
      const g = grads[(model.weights.get(name) as tf.Variable).name] as tf.Tensor;
      expect(Math.max(...[...g.dataSync()].map(Math.abs)), name).toBeGreaterThan(0);
    }
    tf.dispose([x, y, value, ...Object.values(grads), ...vars]);
  });
});

describe('population statistics and the folded spec', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('combine equal batches as one batch of all their examples', () => {
    const spec = bnSpec();
    const model = modelFromWeights(spec, trainedLike(spec));
    const a = batch(7, 8);
    const b = batch(8, 8);
    const both = tf.concat([a, b]);
    const apart = batchNormStats(model, [a, b]);
    const together = batchNormStats(model, [both]);
    // The first layer sees the same inputs either way; later ones see activations normalised
    // with each batch's own statistics, as in training, so only c1 must agree exactly.
    const p = apart.get('c1');
    const q = together.get('c1');
    for (let c = 0; c < 4; c++) {
      expect(p?.mean[c]).toBeCloseTo(q?.mean[c] as number, 5);
      expect(p?.variance[c]).toBeCloseTo(q?.variance[c] as number, 5);
    }
    tf.dispose([a, b, both]);
  });

  it('a folded model is an ordinary spec: no flags, no gammas, weights as its shapes say', () => {
    const spec = bnSpec();
    expect(hasBatchNorm(spec)).toBe(true);
    const weights = trainedLike(spec);
    const x = batch(9, 4);
    const folded = foldBatchNorm(
      spec,
      weights,
      batchNormStats(modelFromWeights(spec, weights), [x]),
    );
    x.dispose();
    expect(hasBatchNorm(folded.spec)).toBe(false);
    // Folding the training spec gives the inference architecture back, exactly.
    expect(folded.spec).toEqual(tinyMultiExit(3, [12, 12, 3]));
    validateSpec(folded.spec);
    expect([...folded.weights.keys()].sort()).toEqual(
      weightShapes(folded.spec)
        .map((w) => w.name)
        .sort(),
    );
    // The planner sees the same layers, shapes and costs as for the training spec.
    const costs = (s: ModelSpec) =>
      describeModel(s).map((p) => p.layers.map((l) => [l.name, l.outputShape, l.flops]));
    expect(costs(folded.spec)).toEqual(costs(spec));
    expect(() => foldBatchNorm(spec, weights, new Map())).toThrow(/c1: no batch-norm statistics/);
  });

  it('folds a trained model with statistics from its training data', () => {
    const spec = bnSpec();
    const rng = seededRng(4);
    const count = 40;
    const data = {
      images: Uint8Array.from({ length: count * 12 * 12 * 3 }, () => Math.floor(rng() * 256)),
      labels: Uint8Array.from({ length: count }, (_, i) => i % 3),
      count,
      height: 12,
      width: 12,
      channels: 3,
      classNames: ['a', 'b', 'c'],
    };
    const before = tf.memory().numTensors;
    const folded = foldTrained(spec, trainedLike(spec), data, { batches: 3, batchSize: 10 });
    expect(tf.memory().numTensors).toBe(before);
    expect(folded.examples).toBe(30);
    expect(hasBatchNorm(folded.spec)).toBe(false);
    expect(folded.weights.has('c1/gamma')).toBe(false);
  });
});
