/**
 * One training step (forward + backward, 128 images 28x28x1) of
 * conv5x5x32-pool-conv5x5x64-pool-conv3x3x96-conv3x3x96-conv3x3x64-pool-fc256-fc10
 * on the wasm backend, with the stock Conv2DBackpropInput and with ours
 * (Conv2DBackpropFilter is ours in both: wasm has none). Warms up, then
 * reports the median of the timed steps and a tf.profile of one step.
 *
 *   npx tsx packages/model/bench/kernels.ts [steps]
 */
import os from 'node:os';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { tf, useBackend } from '../src/backend';
import {
  conv2DBackpropInputConfig,
  registerWasmTrainingKernels,
  stockConv2DBackpropInputConfig,
} from '../src/kernels';

const BATCH = 128;
const STEPS = Number(process.argv[2] ?? 5);

function glorot(shape: number[], fanIn: number, fanOut: number, seed: number): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.variable(tf.randomUniform(shape, -limit, limit, 'float32', seed));
}

function convWeights(k: number, cin: number, cout: number, seed: number) {
  return {
    w: glorot([k, k, cin, cout], k * k * cin, k * k * cout, seed),
    b: tf.variable(tf.zeros([cout])),
  };
}

function createLayers() {
  return {
    c1: convWeights(5, 1, 32, 1),
    c2: convWeights(5, 32, 64, 2),
    c3: convWeights(3, 64, 96, 3),
    c4: convWeights(3, 96, 96, 4),
    c5: convWeights(3, 96, 64, 5),
    f1: { w: glorot([3 * 3 * 64, 256], 576, 256, 6), b: tf.variable(tf.zeros([256])) },
    f2: { w: glorot([256, 10], 256, 10, 7), b: tf.variable(tf.zeros([10])) },
  };
}

registerWasmTrainingKernels();
await useBackend('wasm');
const layers = createLayers();

function conv(x: tf.Tensor4D, p: { w: tf.Variable; b: tf.Variable }): tf.Tensor4D {
  return tf.relu(tf.add(tf.conv2d(x, p.w as tf.Tensor4D, 1, 'same'), p.b)) as tf.Tensor4D;
}

function pool(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 2, 2, 'valid');
}

function loss(xs: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar {
  let h = pool(conv(xs, layers.c1));
  h = pool(conv(h, layers.c2));
  h = pool(conv(conv(conv(h, layers.c3), layers.c4), layers.c5));
  const flat = tf.reshape(h, [BATCH, -1]);
  const f1 = tf.relu(tf.add(tf.matMul(flat, layers.f1.w), layers.f1.b));
  const logits = tf.add(tf.matMul(f1, layers.f2.w), layers.f2.b);
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}

/** Forward + backward; returns the flattened gradients for the cross-check. */
function step(xs: tf.Tensor4D, labels: tf.Tensor2D, keep: boolean): Float32Array[] {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => loss(xs, labels));
    value.dataSync();
    const all = Object.values(grads);
    for (const g of all) g.dataSync();
    return keep ? all.map((g) => g.dataSync() as Float32Array) : [];
  });
}

function useInputKernel(config: KernelConfig): void {
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel(config);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function measure(name: string, xs: tf.Tensor4D, labels: tf.Tensor2D) {
  step(xs, labels, false); // warm-up: XNNPACK operator creation, allocations
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    step(xs, labels, false);
    times.push(performance.now() - t0);
  }
  const profile = await tf.profile(() => {
    step(xs, labels, false);
  });
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
  }
  const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
  const stepMs = median(times);
  console.log(`\n${name}: median step ${stepMs.toFixed(0)} ms over ${STEPS} steps`);
  console.log(`  steps (ms): ${times.map((t) => t.toFixed(0)).join(', ')}`);
  console.log(`  tf.profile of one step, kernel time by kernel:`);
  for (const [kernel, ms] of top)
    console.log(`    ${kernel.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms`);
  return {
    stepMs,
    backpropInputMs: byKernel.get('Conv2DBackpropInput') ?? 0,
    grads: step(xs, labels, true),
  };
}

const stock = stockConv2DBackpropInputConfig();
if (stock === undefined) throw new Error('stock Conv2DBackpropInput was not recorded');

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
console.log(`machine: ${cpu}, ${os.cpus().length} cores; node ${process.version}`);
console.log(
  `backend: ${tf.getBackend()} (tfjs ${tf.version_core}), simd ${String(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'))}, ` +
    `threads ${String(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'))}; batch ${BATCH}x28x28x1`,
);

const xs = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
const labels = tf
  .oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 12), 10)
  .toFloat() as tf.Tensor2D;

useInputKernel(stock);
const before = await measure('stock wasm Conv2DBackpropInput', xs, labels);
useInputKernel(conv2DBackpropInputConfig);
const after = await measure('edgent Conv2DBackpropInput (Conv2D of dilated dy)', xs, labels);

let worst = 0;
for (const [i, g] of after.grads.entries()) {
  const ref = before.grads[i] ?? new Float32Array();
  let diff = 0;
  let scale = 0;
  for (let j = 0; j < ref.length; j++) {
    diff = Math.max(diff, Math.abs((g[j] ?? 0) - (ref[j] ?? 0)));
    scale = Math.max(scale, Math.abs(ref[j] ?? 0));
  }
  worst = Math.max(worst, scale === 0 ? diff : diff / scale);
}
console.log(
  `\nspeed-up: step ${(before.stepMs / after.stepMs).toFixed(2)}x ` +
    `(${before.stepMs.toFixed(0)} -> ${after.stepMs.toFixed(0)} ms); ` +
    `Conv2DBackpropInput ${(before.backpropInputMs / Math.max(after.backpropInputMs, 1e-3)).toFixed(1)}x ` +
    `(${before.backpropInputMs.toFixed(0)} -> ${after.backpropInputMs.toFixed(0)} ms)`,
);
console.log(`gradients, ours vs stock: max |diff| / max |ref| = ${worst.toExponential(2)}`);
