import { batchNormStats, foldBatchNorm } from '../batch-norm';
import type { Dataset } from '../data/index';
import { seededRng, shuffledIndices } from '../random';
import { disposeModel, modelFromWeights } from '../run';
import type { ModelSpec } from '../spec';
import { gatherBatch } from './replica';

/** How many training examples the population statistics are measured on. */
export interface FoldOptions {
  /** Batches, each of `batchSize` examples; default 32 x 128 = 4,096 examples. */
  batches?: number;
  batchSize?: number;
  /** Seed of the examples drawn (and of their composed frames). */
  seed?: number;
}

/**
 * The inference model of a model trained with batch normalisation: its population statistics
 * measured on training examples (`batchNormStats`), then folded into the convolutions
 * (`foldBatchNorm`). Returns the folded spec and weights, and how many examples were used.
 */
export function foldTrained(
  spec: ModelSpec,
  weights: ReadonlyMap<string, Float32Array>,
  data: Dataset,
  options: FoldOptions = {},
): { spec: ModelSpec; weights: Map<string, Float32Array>; examples: number } {
  const batchSize = Math.min(options.batchSize ?? 128, data.count);
  const batches = Math.max(1, Math.min(options.batches ?? 32, Math.floor(data.count / batchSize)));
  const seed = options.seed ?? 1;
  const order = shuffledIndices(data.count, seededRng(seed));
  const model = modelFromWeights(spec, weights);
  try {
    const inputs = function* () {
      for (let b = 0; b < batches; b++) {
        const { x, y } = gatherBatch(
          data,
          order.subarray(b * batchSize, (b + 1) * batchSize),
          seed,
        );
        y.dispose();
        try {
          yield x;
        } finally {
          x.dispose();
        }
      }
    };
    const stats = batchNormStats(model, inputs());
    return { ...foldBatchNorm(spec, weights, stats), examples: batches * batchSize };
  } finally {
    disposeModel(model);
  }
}
