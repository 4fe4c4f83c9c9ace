export {
  InferencePool,
  type PoolHealth,
  type TaskCounts,
  type WorkerStats,
} from './pool.js';
