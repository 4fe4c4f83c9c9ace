/**
 * Batch normalisation for training only. A convolution marked `batchNorm` is
 * trained with its batch's statistics; when training ends (and at each
 * checkpoint) `batchNormStats` measures the population statistics over
 * training batches, and `foldBatchNorm` folds them into the kernel and bias:
 *
 *   gamma x (conv(x) - mean) / sqrt(variance + eps) + bias
 *     = conv'(x) + bias',  kernel' = kernel x s,  bias' = bias - mean x s,
 *   s = gamma / sqrt(variance + eps)   (per filter)
 *
 * so the shipped model is a plain convolution: no new layer kind for the
 * planner, the profiles or the slices.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_EPSILON, type MultiExitModel, runAllExits } from './run';
import type { LayerSpec, ModelSpec } from './spec';

/** Per batch-normalised layer: the population mean and variance of its convolution, per filter. */
export type BatchNormStats = Map<string, { mean: Float32Array; variance: Float32Array }>;

/** The training spec of `spec`: every convolution batch-normalised. Folding gives `spec` back. */
export function withBatchNorm(spec: ModelSpec): ModelSpec {
  const mark = (l: LayerSpec): LayerSpec => (l.kind === 'conv2d' ? { ...l, batchNorm: true } : l);
  return {
    ...spec,
    trunk: spec.trunk.map(mark),
    exits: spec.exits.map((e) => ({ ...e, branch: e.branch.map(mark) })),
  };
}

/** Whether `spec` has layers trained with batch normalisation. */
export function hasBatchNorm(spec: ModelSpec): boolean {
  return allLayers(spec).some((l) => l.kind === 'conv2d' && l.batchNorm === true);
}

function allLayers(spec: ModelSpec): LayerSpec[] {
  return [...spec.trunk, ...spec.exits.flatMap((e) => e.branch)];
}

/**
 * The population statistics of every batch-normalised layer over `batches` (each [N, ...input]),
 * run as in training but without dropout: the mean of the batch means, and the mean of the
 * batch variances plus the variance of the batch means (the law of total variance, for batches
 * of equal size).
 */
export function batchNormStats(
  model: MultiExitModel,
  batches: Iterable<tf.Tensor>,
): BatchNormStats {
  const sums = new Map<string, { mean: Float64Array; square: Float64Array; n: number }>();
  for (const x of batches) {
    tf.tidy(() => {
      runAllExits(model, x, {
        onMoments: (name, mean, variance) => {
          const m = mean.dataSync();
          const v = variance.dataSync();
          let s = sums.get(name);
          if (!s) {
            s = { mean: new Float64Array(m.length), square: new Float64Array(m.length), n: 0 };
            sums.set(name, s);
          }
          for (let c = 0; c < m.length; c++) {
            const mc = m[c] as number;
            s.mean[c] = (s.mean[c] as number) + mc;
            s.square[c] = (s.square[c] as number) + (v[c] as number) + mc * mc;
          }
          s.n++;
        },
      });
    });
  }
  const stats: BatchNormStats = new Map();
  for (const [name, s] of sums) {
    const mean = new Float32Array(s.mean.length);
    const variance = new Float32Array(s.mean.length);
    for (let c = 0; c < mean.length; c++) {
      const m = (s.mean[c] as number) / s.n;
      mean[c] = m;
      variance[c] = Math.max(0, (s.square[c] as number) / s.n - m * m);
    }
    stats.set(name, { mean, variance });
  }
  return stats;
}

/**
 * The inference model of a training spec: every batch-normalised convolution folded into its
 * kernel and bias with `stats`, its `gamma` gone and its flag dropped. Throws when a layer has
 * no statistics.
 */
export function foldBatchNorm(
  spec: ModelSpec,
  weights: ReadonlyMap<string, Float32Array>,
  stats: BatchNormStats,
): { spec: ModelSpec; weights: Map<string, Float32Array> } {
  const out = new Map(weights);
  const plain = (layer: LayerSpec): LayerSpec => {
    if (layer.kind !== 'conv2d' || !layer.batchNorm) return layer;
    const s = stats.get(layer.name);
    const kernel = weights.get(`${layer.name}/kernel`);
    const bias = weights.get(`${layer.name}/bias`);
    const gamma = weights.get(`${layer.name}/gamma`);
    if (!s || !kernel || !bias || !gamma) {
      throw new RangeError(`layer ${layer.name}: no batch-norm statistics or weights to fold`);
    }
    const f = layer.filters;
    const scale = gamma.map(
      (g, c) => g / Math.sqrt((s.variance[c] as number) + BATCH_NORM_EPSILON),
    );
    // The kernel is [k, k, cin, filters]: the filter is the fastest-moving index.
    out.set(
      `${layer.name}/kernel`,
      kernel.map((w, i) => w * (scale[i % f] as number)),
    );
    out.set(
      `${layer.name}/bias`,
      bias.map((b, c) => b - (s.mean[c] as number) * (scale[c] as number)),
    );
    out.delete(`${layer.name}/gamma`);
    const { batchNorm: _, ...rest } = layer;
    return rest;
  };
  return {
    spec: {
      ...spec,
      trunk: spec.trunk.map(plain),
      exits: spec.exits.map((e) => ({ ...e, branch: e.branch.map(plain) })),
    },
    weights: out,
  };
}
