// One inference worker thread: its own tfjs, the model built once and warmed, then one task at a
// time. Nothing a request holds makes it throw: every failure becomes a 'failed' outcome.
import { parentPort, workerData } from 'node:worker_threads';
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
  type WorkerReport,
} from './messages.js';
import { pickBackend } from './pick-backend.js';

const port = parentPort;
if (!port) throw new Error('pool/worker.ts must run in a worker thread');
const data = workerData as PoolWorkerData;
const worker = Atomics.add(data.nextIndex, 0, 1);
const report = (m: WorkerReport) => port.postMessage(m);
const now = () => performance.timeOrigin + performance.now();

let model: MultiExitModel | undefined;
let paths: ExitPath[] = [];
let startError: { code: string; message: string } | undefined;
try {
  const backend = await pickBackend(data.backend);
  model = modelFromWeights(data.spec, data.weights);
  paths = describeModel(data.spec);
  warmUp(model, paths);
  report({ edgent: 'ready', worker, backend, tensors: tf.memory().numTensors });
} catch (error) {
  // Throwing here would make Piscina start a new worker after each failure; report instead.
  startError = codeAndMessage(error, `inference worker ${worker} could not start`);
  report({ edgent: 'failed', worker, ...startError });
}

/** Runs one task; the pool reads the outcome. */
export default function handle(task: PoolTask): TaskOutcome | ReturnType<typeof move> {
  const startedAt = now();
  const tensors = () => tf.memory().numTensors;
  const state = task.state;
  if (
    state &&
    Atomics.compareExchange(state, 0, TaskState.waiting, TaskState.started) !== TaskState.waiting
  ) {
    return { kind: 'skipped', worker, tensors: tensors() }; // aborted before it started
  }
  if (!model || startError) {
    const failure = startError ?? { code: 'EDGENT_ERR_WORKER_FAILED', message: 'no model' };
    return { kind: 'failed', worker, tensors: tensors(), ...failure };
  }
  try {
    const out = runInput(model, paths, task, now);
    const outcome: TaskOutcome = { kind: 'done', worker, tensors: tensors(), startedAt, ...out };
    return move({
      get [transferableSymbol]() {
        return [out.scores.buffer];
      },
      get [valueSymbol]() {
        return outcome;
      },
    });
  } catch (error) {
    const failure = codeAndMessage(error, `inference worker ${worker} failed`);
    return { kind: 'failed', worker, tensors: tensors(), ...failure };
  }
}

/** The stable code and message of an error, or EDGENT_ERR_WORKER_FAILED for one without a code. */
function codeAndMessage(error: unknown, context: string): { code: string; message: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (typeof code === 'string' && code.startsWith('EDGENT_ERR_')) return { code, message: text };
  return { code: 'EDGENT_ERR_WORKER_FAILED', message: `${context}: ${text}` };
}
