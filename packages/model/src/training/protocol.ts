import type { Dataset } from '../data/index';
import type { ModelSpec } from '../spec';
import type { OptimizerState, ShardGradients } from './replica';

/** What the training loop sends a replica worker. */
export type ToReplica =
  | {
      type: 'init';
      spec: ModelSpec;
      weights: [string, Float32Array][];
      /** Images live in a SharedArrayBuffer, so workers share one copy. */
      data: Dataset;
      exitWeights: number[];
      learningRate: number;
      backend: 'cpu' | 'wasm';
    }
  | { type: 'grads'; indices: Uint32Array; seed: number }
  | { type: 'apply'; grads: Float32Array; learningRate: number }
  | { type: 'setOptimizer'; state: OptimizerState }
  | { type: 'getState' };

/** What a replica worker answers. */
export type FromReplica =
  | { type: 'ready' }
  | ({ type: 'grads' } & ShardGradients)
  | { type: 'applied' }
  | { type: 'state'; weights: [string, Float32Array][]; optimizer: OptimizerState }
  | { type: 'error'; message: string; stack?: string };
