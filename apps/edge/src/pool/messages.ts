// What the pool and its worker threads send each other. Everything here is structured-cloned.
import type { ModelSpec } from '@edgent/model';
import type { InferenceRequest, InferenceResult } from '@edgent/protocol';

/** Which tfjs backend a worker runs: 'auto' tries tfjs-node, then falls back to wasm. */
export type BackendChoice = 'auto' | 'wasm' | 'cpu';

/** Given to every worker at start (one copy each). */
export interface PoolWorkerData {
  /** Every model the workers hold, the default first. */
  models: { spec: ModelSpec; weights: Map<string, Float32Array> }[];
  backend: BackendChoice;
  /** One shared int32; each worker takes its index from it with Atomics.add. */
  nextIndex: Int32Array;
}

/** One request for the pool: the wire's request, on a model the pool holds. */
export type PoolRequest = InferenceRequest & {
  /** The model's id; default the pool's default model. */
  model?: string;
};

/** One request as a worker receives it: its payload in a buffer of its own, transferred. */
export type PoolTask = PoolRequest & {
  /** `performance.timeOrigin + performance.now()` in the pool when run() was called. */
  submittedAt: number;
  /** Present when the caller can abort: a shared int32, see {@link TaskState}. */
  state?: Int32Array;
};

/** Values of {@link PoolTask.state}; the pool and the worker change it with compareExchange. */
export const TaskState = { waiting: 0, started: 1, cancelled: 2 } as const;

/** A worker's memory after a task: what the pool exports per worker. */
export interface WorkerMemory {
  /** tf.memory().numTensors. */
  tensors: number;
  /** Bytes used on the worker's own JavaScript heap. */
  heapBytes: number;
  /** Bytes of the wasm backend's linear memory (it grows and never shrinks); 0 on other backends. */
  wasmBytes: number;
}

/**
 * What a worker answers for one task, with its memory afterwards. A 'failed' outcome with
 * `broken` set means the worker's tfjs may be damaged (an error without a code of ours, such as
 * a wasm "memory access out of bounds"): the worker exits after answering and is replaced.
 */
export type TaskOutcome =
  | ({
      kind: 'done';
      worker: number;
      result: InferenceResult;
    } & WorkerMemory)
  | ({
      kind: 'failed';
      worker: number;
      code: string;
      message: string;
      broken?: boolean;
    } & WorkerMemory)
  | ({ kind: 'skipped'; worker: number } & WorkerMemory);

/** Posted once by each worker on its parentPort when it is ready, or could not get ready. */
export type WorkerReport =
  | ({ edgent: 'ready'; worker: number; threadId: number; backend: string } & WorkerMemory)
  | { edgent: 'failed'; worker: number; threadId: number; code: string; message: string };

/** Whether a message from a worker's parentPort is one of ours. */
export function isWorkerReport(message: unknown): message is WorkerReport {
  return (
    typeof message === 'object' &&
    message !== null &&
    ((message as { edgent?: unknown }).edgent === 'ready' ||
      (message as { edgent?: unknown }).edgent === 'failed')
  );
}
