// Profiles this machine's wasm backend in a worker thread, so the server keeps answering meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import {
  type DeviceProfile,
  describeMachine,
  disposeModel,
  type ModelSpec,
  modelFromWeights,
  profileDevice,
  useBackend,
} from '@edgent/model/node';

/** What the store asks the worker to profile (its `workerData`). */
export interface ProfileJob {
  /** The model as the edge read it (structured-cloned into the worker). */
  spec: ModelSpec;
  weights: Map<string, Float32Array>;
  hash: string;
  settings: { perKind: number; warmup: number; runs: number };
}

/** Messages from the worker: progress rounds, then one profile or one error. */
export type FromProfileWorker =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'done'; profile: DeviceProfile }
  | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('profile-worker.ts must run in a worker thread');
const job = workerData as ProfileJob;
const send = (m: FromProfileWorker) => port.postMessage(m);

try {
  await useBackend('wasm');
  const model = modelFromWeights(job.spec, job.weights);
  const m = describeMachine();
  try {
    const profile = await profileDevice(model, {
      backend: 'wasm',
      device: `${m.cpu}, ${m.cores} cores, Node ${m.node} (${m.platform})`,
      perKind: job.settings.perKind,
      seed: 1,
      warmup: job.settings.warmup,
      runs: job.settings.runs,
      now: () => performance.now(),
      modelHash: job.hash,
      onPhase: (phase, done, total) => send({ type: 'progress', phase, done, total }),
    });
    send({ type: 'done', profile });
  } finally {
    disposeModel(model);
  }
} catch (e) {
  send({ type: 'error', message: (e as Error).message });
}
