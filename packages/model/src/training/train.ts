import { Worker } from 'node:worker_threads';
import type { Dataset } from '../data/index';
import { seededRng, shuffledIndices } from '../random';
import type { InitScheme } from '../run';
import type { ModelSpec } from '../spec';
import type { FromReplica, ToReplica } from './protocol';
import { type OptimizerState, Replica, type ShardGradients } from './replica';

/** Settings of a BranchyNet joint-loss training run. */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Learning rate multiplied by this after each epoch. */
  lrDecay: number;
  /** Weight of each exit's cross-entropy in the joint loss, one per exit. */
  exitWeights: number[];
  seed: number;
  /** Worker threads, each with its own tfjs, sharing each batch; 0 trains on this thread. */
  workers: number;
  backend: 'cpu' | 'wasm';
  /** How the kernels start (absent: Glorot, as the first shipped model was trained). */
  init?: InitScheme;
}

/** What one training step reports. */
export interface StepReport {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /** Weighted joint loss on this batch. */
  loss: number;
  /** Mean cross-entropy per exit on this batch. */
  exitLoss: number[];
  /** Accuracy per exit on this batch. */
  exitAccuracy: number[];
}

/** Enough to resume: epochs done, weights, and the optimiser's state. */
export interface TrainCheckpoint {
  epoch: number;
  weights: Map<string, Float32Array>;
  optimizer: OptimizerState;
}

export interface TrainHooks {
  onStep?: (r: StepReport) => void;
  /** After each epoch, with a checkpoint to save. */
  onEpochEnd?: (c: TrainCheckpoint) => void | Promise<void>;
}

interface ReplicaHandle {
  computeGradients(indices: Uint32Array, seed: number): Promise<ShardGradients>;
  apply(grads: Float32Array, learningRate: number): Promise<void>;
  setOptimizer(state: OptimizerState): Promise<void>;
  state(): Promise<{ weights: Map<string, Float32Array>; optimizer: OptimizerState }>;
  close(): Promise<void>;
}

function localReplica(replica: Replica): ReplicaHandle {
  return {
    computeGradients: async (indices, seed) => replica.computeGradients(indices, seed),
    apply: async (grads, lr) => {
      replica.setLearningRate(lr);
      replica.applyGradients(grads);
    },
    setOptimizer: (s) => replica.setOptimizerState(s),
    state: async () => ({ weights: replica.weights(), optimizer: await replica.optimizerState() }),
    close: async () => replica.dispose(),
  };
}

async function workerReplica(init: Extract<ToReplica, { type: 'init' }>): Promise<ReplicaHandle> {
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
  let pending: { resolve: (m: FromReplica) => void; reject: (e: Error) => void } | undefined;
  const fail = (e: Error) => {
    pending?.reject(e);
    pending = undefined;
  };
  worker.on('message', (m: FromReplica) => {
    const p = pending;
    pending = undefined;
    if (m.type === 'error') p?.reject(new Error(`training worker: ${m.message}`));
    else p?.resolve(m);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`training worker exited with code ${code}`)));
  const call = (msg: ToReplica, transfer: ArrayBuffer[] = []) =>
    new Promise<FromReplica>((resolve, reject) => {
      pending = { resolve, reject };
      worker.postMessage(msg, transfer);
    });
  await call(init);
  return {
    computeGradients: async (indices, seed) => {
      const m = await call({ type: 'grads', indices, seed });
      return m as ShardGradients;
    },
    apply: async (grads, learningRate) => {
      await call({ type: 'apply', grads, learningRate });
    },
    setOptimizer: async (state) => {
      await call({ type: 'setOptimizer', state });
    },
    state: async () => {
      const m = (await call({ type: 'getState' })) as Extract<FromReplica, { type: 'state' }>;
      return { weights: new Map(m.weights), optimizer: m.optimizer };
    },
    close: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

/** The same dataset with its images in shared memory, so worker threads need no copy. */
function shared(data: Dataset): Dataset {
  if (data.images.buffer instanceof SharedArrayBuffer) return data;
  const images = new Uint8Array(new SharedArrayBuffer(data.images.byteLength));
  images.set(data.images);
  return { ...data, images, classNames: [...data.classNames] };
}

/** A distinct 31-bit seed for each (run, epoch, step, shard). */
const stepSeed = (seed: number, epoch: number, step: number, shard: number) =>
  Math.floor(seededRng(seed ^ (epoch * 7919) ^ (step * 104729) ^ (shard * 15485863))() * 2 ** 31);

/**
 * Trains a multi-exit model with Adam on the BranchyNet joint loss. Each
 * batch is split over `settings.workers` replicas (worker threads with their
 * own tfjs); their gradients are averaged and every replica takes the same
 * step, so they stay identical. Seeded: the same seed, data, settings and
 * worker count give the same weights on the same backend.
 */
export async function train(
  spec: ModelSpec,
  initial: ReadonlyMap<string, Float32Array>,
  data: Dataset,
  settings: TrainSettings,
  hooks: TrainHooks = {},
  resume?: TrainCheckpoint,
): Promise<TrainCheckpoint> {
  if (settings.exitWeights.length !== spec.exits.length) {
    throw new RangeError(
      `exitWeights has ${settings.exitWeights.length} entries; the model has ${spec.exits.length} exits`,
    );
  }
  const start = resume?.weights ?? initial;
  let replicas: ReplicaHandle[];
  if (settings.workers === 0) {
    replicas = [
      localReplica(new Replica(spec, start, data, settings.exitWeights, settings.learningRate)),
    ];
  } else {
    const init = {
      type: 'init' as const,
      spec,
      weights: [...start],
      data: shared(data),
      exitWeights: settings.exitWeights,
      learningRate: settings.learningRate,
      backend: settings.backend,
    };
    replicas = await Promise.all(
      Array.from({ length: settings.workers }, () => workerReplica(init)),
    );
  }
  try {
    if (resume) await Promise.all(replicas.map((r) => r.setOptimizer(resume.optimizer)));
    const stepsPerEpoch = Math.ceil(data.count / settings.batchSize);
    for (let epoch = resume?.epoch ?? 0; epoch < settings.epochs; epoch++) {
      const lr = settings.learningRate * settings.lrDecay ** epoch;
      const order = shuffledIndices(data.count, seededRng(settings.seed * 1000 + epoch));
      for (let step = 0; step < stepsPerEpoch; step++) {
        const batch = order.subarray(
          step * settings.batchSize,
          Math.min(data.count, (step + 1) * settings.batchSize),
        );
        const per = Math.ceil(batch.length / replicas.length);
        const parts = await Promise.all(
          replicas.map((r, k) =>
            r.computeGradients(
              batch.slice(k * per, (k + 1) * per),
              stepSeed(settings.seed, epoch, step, k),
            ),
          ),
        );
        const n = batch.length;
        const mean = parts[0]?.grads as Float32Array;
        for (const p of parts.slice(1))
          for (let i = 0; i < mean.length; i++)
            mean[i] = (mean[i] as number) + (p.grads[i] as number);
        for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) / n;
        await Promise.all(replicas.map((r) => r.apply(mean, lr)));
        const sum = (f: (p: ShardGradients) => number) => parts.reduce((a, p) => a + f(p), 0);
        hooks.onStep?.({
          epoch,
          step,
          stepsPerEpoch,
          loss: sum((p) => p.lossSum) / n,
          exitLoss: spec.exits.map((_, e) => sum((p) => p.exitLossSum[e] ?? 0) / n),
          exitAccuracy: spec.exits.map((_, e) => sum((p) => p.exitCorrect[e] ?? 0) / n),
        });
      }
      if (hooks.onEpochEnd) {
        const s = await (replicas[0] as ReplicaHandle).state();
        await hooks.onEpochEnd({ epoch: epoch + 1, ...s });
      }
    }
    const s = await (replicas[0] as ReplicaHandle).state();
    return { epoch: settings.epochs, ...s };
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
  }
}
