export type { BackendChoice } from './messages.js';
export type { PoolOptions } from './options.js';
export {
  InferencePool,
  type InferenceRequest,
  type InferenceResult,
  type PoolHealth,
  type TaskCounts,
  type WorkerStats,
} from './pool.js';
