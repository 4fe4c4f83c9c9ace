/**
 * MaxPoolGrad on the wasm backend, stock kernel vs ours, on the B-AlexNet
 * pool shapes (batch 128): 3x3 stride 2 'same' and 2x2 stride 2 'valid'.
 * Each kernel is called directly (no engine) on the same tensors; after a
 * warm-up call, reports the median of the timed calls, and the largest dx
 * difference between them: not zero, because the stock kernel routes tied
 * and all-negative windows differently from cpu (ours equals cpu; see
 * packages/model/test/max-pool-grad.test.ts).
 *
 *   pnpm bench:max-pool-grad [runs]
 */
import os from 'node:os';
import {
  maxPoolGradConfig,
  registerWasmTrainingKernels,
  stockMaxPoolGradConfig,
  tf,
  useBackend,
} from '@edgent/model/node';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

const RUNS = Number(process.argv[2] ?? 9);

registerWasmTrainingKernels();
await useBackend('wasm');
const stock = stockMaxPoolGradConfig();
if (stock === undefined) throw new Error('stock MaxPoolGrad was not recorded');
const backend = tf.engine().backend;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Median ms of `config` over RUNS calls after one warm-up; also its dx. */
function time(config: KernelConfig, inputs: Record<string, tf.Tensor>, attrs: NamedAttrMap) {
  const call = () => config.kernelFunc({ inputs, attrs, backend }) as TensorInfo;
  const warm = call();
  const dx = (backend.readSync(warm.dataId) as Float32Array).slice();
  backend.disposeData(warm.dataId);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const out = call();
    times.push(performance.now() - t0);
    backend.disposeData(out.dataId);
  }
  return { ms: median(times), dx };
}

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
console.log(`machine: ${cpu}, ${os.cpus().length} cores; node ${process.version}`);
console.log(
  `backend: ${tf.getBackend()} (tfjs ${tf.version_core}), simd ${String(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'))}; ` +
    `median of ${RUNS} calls after a warm-up`,
);

const cases = [
  { shape: [128, 28, 28, 32], filterSize: 3, strides: 2, pad: 'same' },
  { shape: [128, 14, 14, 64], filterSize: 3, strides: 2, pad: 'same' },
  { shape: [128, 7, 7, 96], filterSize: 3, strides: 2, pad: 'same' },
  { shape: [128, 28, 28, 32], filterSize: 2, strides: 2, pad: 'valid' },
  { shape: [128, 14, 14, 64], filterSize: 2, strides: 2, pad: 'valid' },
  { shape: [128, 7, 7, 96], filterSize: 2, strides: 2, pad: 'valid' },
] as const;

for (const c of cases) {
  // relu-like input: about half the values are exact zeros, so windows tie.
  const input = tf.relu(tf.randomNormal([...c.shape], 0, 1, 'float32', 1)) as tf.Tensor4D;
  const output = tf.maxPool(input, c.filterSize, c.strides, c.pad);
  const dy = tf.randomNormal(output.shape, 0, 1, 'float32', 2);
  const inputs = { dy, input, output };
  const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad } as NamedAttrMap;
  const before = time(stock, inputs, attrs);
  const after = time(maxPoolGradConfig, inputs, attrs);
  let diff = 0;
  for (let i = 0; i < before.dx.length; i++) {
    diff = Math.max(diff, Math.abs((after.dx[i] ?? 0) - (before.dx[i] ?? 0)));
  }
  console.log(
    `[${c.shape.join(',')}] ${c.filterSize}x${c.filterSize} s${c.strides} ${c.pad}: `.padEnd(36) +
      `stock ${before.ms.toFixed(1).padStart(6)} ms, ours ${after.ms.toFixed(1).padStart(5)} ms ` +
      `(${(before.ms / after.ms).toFixed(1)}x); max |dx diff| ${diff.toExponential(1)}`,
  );
  tf.dispose([input, output, dy]);
}
