// What the pool and its worker threads send each other. Everything here is structured-cloned.
import type { ModelSpec } from '@edgent/model';
import type { DType } from '@edgent/protocol';

/** Which tfjs backend a worker runs: 'auto' tries tfjs-node, then falls back to wasm. */
export type BackendChoice = 'auto' | 'wasm' | 'cpu';

/** Given to every worker at start (one copy each). */
export interface PoolWorkerData {
  spec: ModelSpec;
  weights: Map<string, Float32Array>;
  backend: BackendChoice;
  /** One shared int32; each worker takes its index from it with Atomics.add. */
  nextIndex: Int32Array;
}

/** One request for the edge: run layers [partition, end) of exit `exit` on the payload. */
export interface InferenceRequest {
  exit: number;
  partition: number;
  dtype: DType;
  /** Including the batch dimension. */
  shape: number[];
  /** int8 only. */
  scale?: number;
  /** int8 only. */
  zeroPoint?: number;
  /** The frame payload bytes as received; run() copies them, the caller keeps its buffer. */
  payload: Uint8Array;
}

/** One request as a worker receives it: its payload in a buffer of its own, transferred. */
export interface PoolTask extends InferenceRequest {
  /** `performance.timeOrigin + performance.now()` in the pool when run() was called. */
  submittedAt: number;
  /** Present when the caller can abort: a shared int32, see {@link TaskState}. */
  state?: Int32Array;
}

/** Values of {@link PoolTask.state}; the pool and the worker change it with compareExchange. */
export const TaskState = { waiting: 0, started: 1, cancelled: 2 } as const;

/** What a worker answers for one task; `tensors` is its tf.memory().numTensors afterwards. */
export type TaskOutcome =
  | {
      kind: 'done';
      worker: number;
      tensors: number;
      scores: Float32Array;
      shape: number[];
      startedAt: number;
      decodeMs: number;
      computeMs: number;
    }
  | { kind: 'failed'; worker: number; tensors: number; code: string; message: string }
  | { kind: 'skipped'; worker: number; tensors: number };

/** Posted once by each worker on its parentPort when it is ready, or could not get ready. */
export type WorkerReport =
  | { edgent: 'ready'; worker: number; backend: string; tensors: number }
  | { edgent: 'failed'; worker: number; code: string; message: string };

/** Whether a message from a worker's parentPort is one of ours. */
export function isWorkerReport(message: unknown): message is WorkerReport {
  return (
    typeof message === 'object' &&
    message !== null &&
    ((message as { edgent?: unknown }).edgent === 'ready' ||
      (message as { edgent?: unknown }).edgent === 'failed')
  );
}
