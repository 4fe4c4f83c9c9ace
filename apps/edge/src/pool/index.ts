export {
  InferencePool,
  type InferenceRequest,
  type PoolHealth,
  type TaskCounts,
  type WorkerStats,
} from './pool.js';
