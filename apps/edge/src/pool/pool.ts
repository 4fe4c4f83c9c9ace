import type { ModelManifest } from '@edgent/model';
import type { InferenceResult } from '@edgent/protocol';
import { Piscina } from 'piscina';
import { EdgeError } from '../errors.js';
import { loadModelDir } from '../model-folders.js';
import { toEdgeError } from './codes.js';
import {
  isWorkerReport,
  type PoolRequest,
  type PoolTask,
  type PoolWorkerData,
  type TaskOutcome,
  TaskState,
} from './messages.js';
import { type PoolOptions, resolvePoolOptions } from './options.js';

/** The exit's scores for one request, where the time went, and the worker that ran it. */
type PoolResult = InferenceResult & {
  /** Index of the worker that ran it. */
  worker: number;
};

/** What one worker thread has done; `tensors` staying at `tensorsAtStart` means nothing leaked. */
export interface WorkerStats {
  /** The worker's index: 0, 1, ... in start order; a replacement takes the next unused one. */
  worker: number;
  threadId: number;
  backend: string;
  /** tf.memory().numTensors once the model was loaded and warmed. */
  tensorsAtStart: number;
  /** tf.memory().numTensors after its latest task. */
  tensors: number;
  /** Bytes on its JavaScript heap after its latest task. */
  heapBytes: number;
  /** Bytes of its wasm backend's memory after its latest task (0 on other backends). */
  wasmBytes: number;
  /** Tasks it has answered, failed and skipped ones included. */
  tasks: number;
}

/** Tasks the workers answered since start, by what they did with them. */
export interface TaskCounts {
  /** Ran to a result. */
  done: number;
  /** Failed (a bad request, or a broken worker). */
  failed: number;
  /** Cancelled before a worker started them (their request timed out or its session closed). */
  skipped: number;
}

/** Whether the pool has all its workers, for readiness. */
export interface PoolHealth {
  /** Workers ready to take requests. */
  ready: number;
  /** Workers the pool should have. */
  workers: number;
  /** Workers that broke (or died) and were replaced since start. */
  replaced: number;
}

const workerEntry = new URL('./worker-entry.mjs', import.meta.url).href;

/** Milliseconds on a clock that worker threads share: their performance.now() starts elsewhere. */
const now = () => performance.timeOrigin + performance.now();

/**
 * A fixed set of worker threads, each with its own tfjs and its own copy of the model, that run
 * the edge's part of requests in arrival order. Requests wait in one queue while every worker
 * is busy; past `maxQueue` waiting, run() rejects with EDGENT_ERR_BUSY. Errors carry the stable
 * code of what went wrong (see errors.ts); a bad request never harms the pool.
 *
 * @example
 * const pool = await InferencePool.start({ modelDir: 'models/b-alexnet-fmnist', workers: 2 });
 * const { scores } = await pool.run({ exit: 4, partition: 0, dtype: 'uint8', shape: [1, 28, 28, 1], payload });
 * await pool.close();
 */
export class InferencePool {
  readonly workers: number;
  /** The tfjs backend of each worker, by worker index: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  readonly backends: string[];
  /** The default model's hash. */
  readonly modelHash: string;
  /** The default model's id. */
  readonly modelId: string;
  /** Every model the workers hold, the default first. */
  readonly models: readonly ModelManifest[];
  readonly #piscina: Piscina<PoolTask, TaskOutcome>;
  readonly #maxQueue: number;
  /** Ready workers by thread id. */
  readonly #stats: Map<number, WorkerStats>;
  #replaced = 0;
  readonly #tasks: TaskCounts = { done: 0, failed: 0, skipped: 0 };
  /** Tasks handed to Piscina and not yet settled there. */
  #pending = 0;
  /** Aborted before a worker took them, still in Piscina's queue until a worker skips them. */
  #cancelledWaiting = 0;
  #closing: Promise<void> | undefined;

  private constructor(
    piscina: Piscina<PoolTask, TaskOutcome>,
    stats: Map<number, WorkerStats>,
    models: ModelManifest[],
    maxQueue: number,
  ) {
    this.#piscina = piscina;
    this.#stats = stats;
    this.#maxQueue = maxQueue;
    this.workers = piscina.maxThreads;
    this.backends = [...stats.values()].sort((a, b) => a.worker - b.worker).map((s) => s.backend);
    this.models = models;
    this.modelId = (models[0] as ModelManifest).id;
    this.modelHash = (models[0] as ModelManifest).hash;
    // A worker that ended (it broke on a task, or died) is replaced by Piscina; until the new
    // one reports ready, the pool is not whole.
    piscina.on('workerDestroy', (worker: { id: number }) => {
      if (this.#stats.delete(worker.id) && !this.#closing) this.#replaced++;
    });
  }

  /**
   * Checks the options and the model folder, starts the workers, and resolves once every one
   * has built the model and run each exit path once. Rejects with EDGENT_ERR_BAD_OPTION,
   * EDGENT_ERR_NO_MODEL, EDGENT_ERR_BAD_WEIGHTS, EDGENT_ERR_HASH_MISMATCH or
   * EDGENT_ERR_WORKER_FAILED, and leaves no thread behind.
   */
  static async start(options: PoolOptions): Promise<InferencePool> {
    const { modelDirs, models, workers, maxQueue, tasksPerWorker, backend } =
      resolvePoolOptions(options);
    const loaded = models ?? (await Promise.all(modelDirs.map((dir) => loadModelDir(dir))));
    const ids = loaded.map((m) => m.manifest.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) {
      throw new EdgeError(
        'EDGENT_ERR_BAD_OPTION',
        `two model folders hold model ${twice} (${loaded
          .filter((_, i) => ids[i] === twice)
          .map((m) => m.dir)
          .join(', ')}); serve each model once`,
      );
    }
    const workerData: PoolWorkerData = {
      models: loaded.map((m) => ({ spec: m.manifest.architecture, weights: m.weights })),
      backend,
      nextIndex: new Int32Array(new SharedArrayBuffer(4)),
    };
    const piscina = new Piscina<PoolTask, TaskOutcome>({
      filename: workerEntry,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Number.POSITIVE_INFINITY,
      // With 2 or more, the next task is already in the worker when the last one ends, so no
      // worker waits for a round trip through the main thread between tasks.
      concurrentTasksPerWorker: tasksPerWorker,
      // Workers wait for tasks with Atomics.waitAsync, so their event loop keeps running: a
      // worker that broke can still end itself after answering (see worker.ts).
      atomics: 'async',
      workerData,
    });
    const stats = new Map<number, WorkerStats>();
    piscina.on('message', (m: unknown) => {
      if (isWorkerReport(m) && m.edgent === 'ready') {
        const { worker, threadId, backend: name, tensors, heapBytes, wasmBytes } = m;
        stats.set(threadId, {
          worker,
          threadId,
          backend: name,
          tensorsAtStart: tensors,
          tensors,
          heapBytes,
          wasmBytes,
          tasks: 0,
        });
      }
    });
    // A worker that dies fails its own task (run() rejects) and Piscina starts another; an
    // 'error' event without a listener would end the process instead.
    piscina.on('error', () => {});
    try {
      await allReady(piscina, workers);
    } catch (error) {
      await piscina.destroy();
      throw error;
    }
    return new InferencePool(
      piscina,
      stats,
      loaded.map((m) => m.manifest),
      maxQueue,
    );
  }

  /**
   * Runs layers [partition, end) of exit `exit` on the request's tensor in the first free worker.
   * Rejects with the stable code of a bad request (EDGENT_ERR_BAD_EXIT, _BAD_PARTITION,
   * _BAD_INPUT_SHAPE, _BAD_DTYPE, _TENSOR_SHAPE_MISMATCH, _TENSOR_BAD_QUANT), with
   * EDGENT_ERR_BUSY when the queue is full, EDGENT_ERR_CLOSED after close(), and
   * EDGENT_ERR_ABORTED when `signal` fires first (a request already running finishes in its
   * worker, its result unused; one still waiting is skipped).
   */
  async run(request: PoolRequest, signal?: AbortSignal): Promise<PoolResult> {
    const submittedAt = now();
    if (this.#closing) throw closedError();
    if (signal?.aborted) throw abortedError(signal);
    if (this.#piscina.idleThreads === 0 && this.queueDepth >= this.#maxQueue) {
      throw new EdgeError(
        'EDGENT_ERR_BUSY',
        `all ${this.workers} inference workers are busy and ${this.queueDepth} requests wait, the most allowed (maxQueue ${this.#maxQueue}); retry later`,
      );
    }
    const payload = new Uint8Array(request.payload); // a buffer of its own, moved to the worker
    const state = signal ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    const task: PoolTask = {
      ...request,
      shape: [...request.shape], // the caller may reuse its array
      payload,
      submittedAt,
      state,
    };
    const job = this.#piscina.run(task, { transferList: [payload.buffer] });
    this.#pending++;
    job.then(
      (outcome) => {
        this.#pending--;
        this.#record(outcome);
      },
      () => this.#pending--,
    );
    let outcome: TaskOutcome;
    try {
      outcome = await (signal && state ? this.#abortable(job, signal, state) : job);
    } catch (error) {
      throw this.#poolError(error);
    }
    if (outcome.kind === 'failed') throw toEdgeError(outcome.code, outcome.message);
    if (outcome.kind === 'skipped') throw abortedError(signal);
    return { ...outcome.result, worker: outcome.worker };
  }

  /** Requests waiting for a worker, not yet started. */
  get queueDepth(): number {
    return Math.max(0, this.#piscina.queueSize - this.#cancelledWaiting);
  }

  /** Requests a worker has taken and not yet answered. */
  get running(): number {
    return Math.max(0, this.#pending - this.#piscina.queueSize);
  }

  /** What each ready worker has done so far, by worker index (for metrics and leak tests). */
  workerStats(): WorkerStats[] {
    return [...this.#stats.values()].sort((a, b) => a.worker - b.worker).map((s) => ({ ...s }));
  }

  /** Ready workers against the pool's size; not whole while a broken worker is being replaced. */
  health(): PoolHealth {
    return { ready: this.#stats.size, workers: this.workers, replaced: this.#replaced };
  }

  /**
   * Stops taking requests: waiting ones reject with EDGENT_ERR_CLOSED, running ones finish, then
   * the threads end. Later run() calls reject with EDGENT_ERR_CLOSED. Safe to call twice.
   */
  close(): Promise<void> {
    this.#closing ??= this.#piscina.close({ force: true });
    return this.#closing;
  }

  /** Tasks the workers answered since start, by outcome. */
  taskCounts(): TaskCounts {
    return { ...this.#tasks };
  }

  #record(outcome: TaskOutcome): void {
    this.#tasks[outcome.kind]++;
    const stats = [...this.#stats.values()].find((s) => s.worker === outcome.worker);
    if (!stats) return;
    stats.tensors = outcome.tensors;
    stats.heapBytes = outcome.heapBytes;
    stats.wasmBytes = outcome.wasmBytes;
    stats.tasks++;
    // A broken worker ends itself after answering; it no longer counts as ready.
    if (outcome.kind === 'failed' && outcome.broken && this.#stats.delete(stats.threadId)) {
      this.#replaced++;
    }
  }

  /** Rejects as soon as `signal` fires; a task no worker has taken yet is marked to be skipped. */
  #abortable(job: Promise<TaskOutcome>, signal: AbortSignal, state: Int32Array) {
    return new Promise<TaskOutcome>((resolve, reject) => {
      const onAbort = () => {
        const before = Atomics.compareExchange(state, 0, TaskState.waiting, TaskState.cancelled);
        if (before === TaskState.waiting) {
          this.#cancelledWaiting++;
          const settled = () => this.#cancelledWaiting--;
          job.then(settled, settled);
        }
        reject(abortedError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      job.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  #poolError(error: unknown): EdgeError {
    if (error instanceof EdgeError) return error;
    if (this.#closing) return closedError();
    const message = error instanceof Error ? error.message : String(error);
    return new EdgeError('EDGENT_ERR_WORKER_FAILED', `inference worker failed: ${message}`);
  }
}

/** Resolves when `count` workers report ready; rejects on the first that cannot start. */
function allReady(piscina: Piscina, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let ready = 0;
    const finish = (error?: EdgeError) => {
      piscina.off('message', onMessage);
      piscina.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onMessage = (m: unknown) => {
      if (!isWorkerReport(m)) return;
      if (m.edgent === 'failed') finish(toEdgeError(m.code, m.message));
      else if (++ready === count) finish();
    };
    const onError = (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      finish(
        new EdgeError('EDGENT_ERR_WORKER_FAILED', `an inference worker died starting: ${message}`),
      );
    };
    piscina.on('message', onMessage);
    piscina.on('error', onError);
  });
}

function closedError(): EdgeError {
  return new EdgeError(
    'EDGENT_ERR_CLOSED',
    'the inference pool is closed; start a new one with InferencePool.start()',
  );
}

function abortedError(signal: AbortSignal | undefined): EdgeError {
  const reason = signal?.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new EdgeError('EDGENT_ERR_ABORTED', `the inference request was aborted${reason}`);
}
