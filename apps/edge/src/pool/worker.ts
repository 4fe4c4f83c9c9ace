// One inference worker thread: its own tfjs, the model built once and warmed, then one task at a
// time. Nothing a request holds makes it throw: every failure becomes a 'failed' outcome.
import { getHeapStatistics } from 'node:v8';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import {
  describeModel,
  type ExitPath,
  type MultiExitModel,
  modelFromWeights,
  tf,
} from '@edgent/model/node';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runInput, warmUp } from './infer.js';
import {
  type PoolTask,
  type PoolWorkerData,
  type TaskOutcome,
  TaskState,
  type WorkerMemory,
  type WorkerReport,
} from './messages.js';
import { pickBackend } from './pick-backend.js';

const port = parentPort;
if (!port) throw new Error('pool/worker.ts must run in a worker thread');
const data = workerData as PoolWorkerData;
const worker = Atomics.add(data.nextIndex, 0, 1);
const report = (m: WorkerReport) => port.postMessage(m);
const now = () => performance.timeOrigin + performance.now();

/** Each model built once, by id; the first is the default. */
const models = new Map<string, { model: MultiExitModel; paths: ExitPath[] }>();
let startError: { failure: { code: string; message: string } } | undefined;
try {
  const backend = await pickBackend(data.backend);
  for (const { spec, weights } of data.models) {
    const model = modelFromWeights(spec, weights);
    const paths = describeModel(spec);
    warmUp(model, paths);
    models.set(spec.id, { model, paths });
  }
  report({ edgent: 'ready', worker, threadId, backend, ...memory() });
} catch (error) {
  // Throwing here would make Piscina start a new worker after each failure; report instead.
  startError = codeAndMessage(error, `inference worker ${worker} could not start`);
  report({ edgent: 'failed', worker, threadId, ...startError.failure });
}

/** This worker's memory now. */
function memory(): WorkerMemory {
  const wasm = (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } } | undefined)?.wasm;
  return {
    tensors: tf.memory().numTensors,
    heapBytes: getHeapStatistics().used_heap_size,
    wasmBytes: wasm?.HEAPU8?.byteLength ?? 0,
  };
}

/** Runs one task; the pool reads the outcome. */
export default function handle(task: PoolTask): TaskOutcome | ReturnType<typeof move> {
  const startedAt = now();
  const state = task.state;
  if (
    state &&
    Atomics.compareExchange(state, 0, TaskState.waiting, TaskState.started) !== TaskState.waiting
  ) {
    return { kind: 'skipped', worker, ...memory() }; // aborted before it started
  }
  const served = models.get(task.model ?? data.models[0]?.spec.id ?? '');
  if (!served || startError) {
    const failure = startError?.failure ?? {
      code: 'EDGENT_ERR_MODEL_MISMATCH',
      message: `this edge serves no model ${JSON.stringify(task.model)}; it serves ${[...models.keys()].join(', ')}`,
    };
    return { kind: 'failed', worker, ...memory(), ...failure };
  }
  try {
    // Both clocks are timeOrigin + now(), comparable across the pool's threads.
    const queueMs = Math.max(0, startedAt - task.submittedAt);
    const result = runInput(served.model, served.paths, task, now, queueMs);
    const outcome: TaskOutcome = { kind: 'done', worker, result, ...memory() };
    return move({
      get [transferableSymbol]() {
        return [result.scores.buffer];
      },
      get [valueSymbol]() {
        return outcome;
      },
    });
  } catch (error) {
    const { failure, expected } = codeAndMessage(error, `inference worker ${worker} failed`);
    if (expected) return { kind: 'failed', worker, ...memory(), ...failure };
    // An error we did not raise (a wasm trap, out of memory): this tfjs may be damaged, so the
    // worker answers, then ends, and the pool starts a fresh one in its place.
    setImmediate(() => process.exit(1));
    return { kind: 'failed', worker, ...memory(), ...failure, broken: true };
  }
}

/**
 * The stable code and message of an error, or EDGENT_ERR_WORKER_FAILED for one without a code;
 * `expected` when the code is one of ours (a bad request, not a damaged worker).
 */
function codeAndMessage(
  error: unknown,
  context: string,
): { failure: { code: string; message: string }; expected: boolean } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (typeof code === 'string' && code.startsWith('EDGENT_ERR_')) {
    return { failure: { code, message: text }, expected: true };
  }
  return {
    failure: { code: 'EDGENT_ERR_WORKER_FAILED', message: `${context}: ${text}` },
    expected: false,
  };
}
