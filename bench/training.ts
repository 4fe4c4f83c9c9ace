/**
 * Where training time goes, side by side in one run, on the real B-AlexNet
 * (batch 128, 28x28x1 Fashion-MNIST images, wasm in Node):
 *  1. one step on the main thread with tfjs-backend-wasm's stock
 *     Conv2DBackpropInput and MaxPoolGrad vs the project's kernels
 *     (Conv2DBackpropFilter is the project's in both: wasm has none);
 *  2. training throughput with the batch split over 0 (main thread), 1 and
 *     2 worker threads.
 *
 *   pnpm bench:training [--reps 7] [--steps 24]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  bAlexNet,
  conv2DBackpropInputConfig,
  describeMachine,
  initialWeights,
  loadFashionMnist,
  maxPoolGradConfig,
  Replica,
  registerWasmTrainingKernels,
  seededRng,
  stockConv2DBackpropInputConfig,
  stockMaxPoolGradConfig,
  tf,
  train,
  useBackend,
} from '@edgent/model/node';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { median, writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    reps: { type: 'string', default: '7' },
    steps: { type: 'string', default: '24' },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'training') },
  },
});
const reps = Number(flags.reps);
const steps = Number(flags.steps);
if (!Number.isInteger(reps) || reps < 1)
  throw new Error(`--reps must be a whole number >= 1, got ${flags.reps}`);
if (!Number.isInteger(steps) || steps < 3)
  throw new Error(`--steps must be a whole number >= 3, got ${flags.steps}`);

const BATCH = 128;
registerWasmTrainingKernels();
await useBackend('wasm');
const spec = bAlexNet();
const init = initialWeights(spec, seededRng(1));
const data = loadFashionMnist({ split: 'train', limit: BATCH * steps });
const exitWeights = [0.3, 0.4, 0.5, 0.6, 1];

// 1. Kernels: the same replica, alternating the registered kernels step by step.
const use = (configs: (KernelConfig | undefined)[]) => {
  for (const c of configs) {
    if (!c) throw new Error('stock kernel not recorded');
    tf.unregisterKernel(c.kernelName, c.backendName);
    tf.registerKernel(c);
  }
};
const stock = [stockConv2DBackpropInputConfig(), stockMaxPoolGradConfig()];
const ours = [conv2DBackpropInputConfig, maxPoolGradConfig];
const replica = new Replica(spec, init, data, exitWeights, 1e-3);
const batch = Uint32Array.from({ length: BATCH }, (_, i) => i);
const timeStep = () => {
  const t0 = performance.now();
  replica.computeGradients(batch, 1);
  return performance.now() - t0;
};
const kernelMs: Record<'stock' | 'project', number[]> = { stock: [], project: [] };
for (const v of [stock, ours]) {
  use(v);
  timeStep();
}
for (let r = 0; r < reps; r++) {
  for (const [name, v] of (r % 2
    ? [
        ['stock', stock],
        ['project', ours],
      ]
    : [
        ['project', ours],
        ['stock', stock],
      ]) as [keyof typeof kernelMs, (KernelConfig | undefined)[]][]) {
    use(v);
    kernelMs[name].push(timeStep());
  }
}
use(ours);
replica.dispose();

// 2. Workers: whole train() runs of `steps` steps, alternating worker counts.
const workerCounts = [0, 1, 2];
const imagesPerSecond = new Map<number, number[]>(workerCounts.map((w) => [w, []]));
for (let r = 0; r < Math.max(2, Math.ceil(reps / 2)); r++) {
  for (const workers of r % 2 ? [...workerCounts].reverse() : workerCounts) {
    let first = 0;
    let last = 0;
    await train(
      spec,
      init,
      data,
      {
        epochs: 1,
        batchSize: BATCH,
        learningRate: 1e-3,
        lrDecay: 1,
        exitWeights,
        seed: 1,
        workers,
        backend: 'wasm',
      },
      {
        onStep: (s) => {
          // Time from the end of step 0, so worker start-up is not counted.
          if (s.step === 0) first = performance.now();
          last = performance.now();
        },
      },
    );
    imagesPerSecond.get(workers)?.push(((steps - 1) * BATCH) / ((last - first) / 1000));
  }
}

const machine = describeMachine();
const stockMed = median(kernelMs.stock);
const oursMed = median(kernelMs.project);
const ips = workerCounts.map((w) => ({
  workers: w,
  imagesPerSecond: median(imagesPerSecond.get(w) ?? []),
  runs: imagesPerSecond.get(w) ?? [],
}));
const base = ips[0]?.imagesPerSecond ?? 1;
const md = [
  '# Training speed',
  '',
  `B-AlexNet (5 exits), batch ${BATCH}, Fashion-MNIST 28x28x1, BranchyNet joint loss, Adam. Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}. Backend: tfjs ${tf.version_core} wasm (SIMD; one thread per tfjs instance in Node).`,
  '',
  '## Kernels (one forward + backward step on the main thread)',
  '',
  `Median of ${reps} steps each, alternating, after one warm-up step each.`,
  '',
  '| kernels | step (ms, median) | steps timed |',
  '|---|---|---|',
  `| stock Conv2DBackpropInput + MaxPoolGrad | ${stockMed.toFixed(0)} | ${kernelMs.stock.map((m) => m.toFixed(0)).join(', ')} |`,
  `| project Conv2DBackpropInput + MaxPoolGrad | ${oursMed.toFixed(0)} | ${kernelMs.project.map((m) => m.toFixed(0)).join(', ')} |`,
  '',
  `Speed-up of a step: **${(stockMed / oursMed).toFixed(2)}x**.`,
  '',
  '## Worker threads (whole training steps: gradients, averaging, Adam)',
  '',
  `Each run trains ${steps} steps; throughput counted from the end of the first step. Medians over ${ips[0]?.runs.length} alternating runs.`,
  '',
  '| workers | images/s (median) | speed-up vs main thread | runs |',
  '|---|---|---|---|',
  ...ips.map(
    (r) =>
      `| ${r.workers === 0 ? '0 (main thread)' : r.workers} | ${r.imagesPerSecond.toFixed(0)} | ${(r.imagesPerSecond / base).toFixed(2)}x | ${r.runs.map((x) => x.toFixed(0)).join(', ')} |`,
  ),
  '',
  'Produced by `pnpm bench:training`.',
  '',
].join('\n');
const path = await writeReport(
  flags.out as string,
  {
    machine,
    backend: 'wasm',
    tfjs: tf.version_core,
    batch: BATCH,
    reps,
    steps,
    kernelMs,
    workers: ips,
  },
  md,
);
process.stdout.write(
  `step ${stockMed.toFixed(0)} ms stock vs ${oursMed.toFixed(0)} ms project kernels; images/s by workers: ${ips.map((r) => `${r.workers}: ${r.imagesPerSecond.toFixed(0)}`).join(', ')}; report: ${path}\n`,
);
