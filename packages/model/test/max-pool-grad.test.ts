import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type NodeBackend, tf, useBackend } from '../src/backend';
import {
  maxPoolGradConfig,
  registerWasmTrainingKernels,
  stockMaxPoolGradConfig,
} from '../src/kernels';
import { randomValues, runKernelOn, size } from './kernel-helpers';

type Shape4 = [number, number, number, number];
type Padding = 'same' | 'valid' | number;

interface PoolCase {
  shape: Shape4;
  filterSize: [number, number];
  strides: [number, number];
  pad: Padding;
  /** How x is drawn: random, relu (about half exact zeros), few distinct levels, or above 1. */
  values: 'random' | 'relu' | 'levels' | 'positive';
}

function inputValues(c: PoolCase, seed: number): Float32Array {
  const values = randomValues(size(c.shape), seed);
  if (c.values === 'relu') return values.map((v) => Math.max(0, v));
  if (c.values === 'levels') return values.map((v) => Math.round(v * 2));
  if (c.values === 'positive') return values.map((v) => Math.abs(v) + 1);
  return values;
}

function outShape(c: PoolCase): number[] {
  return tf.backend_util.computePool2DInfo(c.shape, c.filterSize, c.strides, 1, c.pad).outShape;
}

function describeCase(c: PoolCase): string {
  return (
    `x ${c.shape.join('x')}, window ${c.filterSize.join('x')}, strides ${c.strides.join('x')}, ` +
    `pad ${String(c.pad)}, ${c.values}`
  );
}

/** The B-AlexNet pools, edges, then deterministic random cases over windows and strides 1..3. */
function poolCases(): PoolCase[] {
  const picked: PoolCase[] = [
    { shape: [2, 28, 28, 32], filterSize: [3, 3], strides: [2, 2], pad: 'same', values: 'relu' },
    { shape: [2, 14, 14, 64], filterSize: [2, 2], strides: [2, 2], pad: 'valid', values: 'relu' },
    { shape: [3, 7, 7, 96], filterSize: [3, 3], strides: [2, 2], pad: 'same', values: 'relu' },
    { shape: [1, 5, 5, 1], filterSize: [3, 3], strides: [1, 1], pad: 'same', values: 'levels' },
    { shape: [2, 6, 6, 3], filterSize: [1, 1], strides: [3, 3], pad: 'valid', values: 'random' },
    { shape: [1, 4, 4, 2], filterSize: [3, 3], strides: [1, 1], pad: 2, values: 'relu' },
    { shape: [2, 9, 8, 5], filterSize: [2, 3], strides: [3, 1], pad: 1, values: 'levels' },
  ];
  const rand = randomValues(12 * 60, 3);
  let r = 0;
  const pick = (lo: number, hi: number) =>
    lo + Math.floor((((rand[r++] ?? 0) + 1) / 2) * (hi - lo + 1));
  const random: PoolCase[] = [];
  while (random.length < 40) {
    const filterSize: [number, number] = [pick(1, 3), pick(1, 3)];
    const kind = pick(0, 2);
    // An explicit pad must stay below the window, or a window sees only padding.
    const pad: Padding =
      kind === 0 ? 'same' : kind === 1 ? 'valid' : pick(0, Math.min(...filterSize) - 1);
    const c: PoolCase = {
      shape: [pick(1, 4), pick(1, 12), pick(1, 12), [1, 2, 3, 8, 16][pick(0, 4)] ?? 1],
      filterSize,
      strides: [pick(1, 3), pick(1, 3)],
      pad,
      values: (['random', 'relu', 'levels'] as const)[pick(0, 2)] ?? 'random',
    };
    if (c.shape[1] >= filterSize[0] && c.shape[2] >= filterSize[1] && size(outShape(c)) > 0) {
      random.push(c);
    }
  }
  return [...picked, ...random];
}

/**
 * Inputs and attrs of one MaxPoolGrad call, as the maxPool gradient makes
 * them. The forward pool runs on cpu: wasm's MaxPool (XNNPACK) fails on some
 * explicit pads that cpu accepts.
 */
async function gradInputs(c: PoolCase, seed: number) {
  await useBackend('cpu');
  const x = inputValues(c, seed);
  const output = tf.tidy(() =>
    tf.maxPool(tf.tensor4d(x, c.shape), c.filterSize, c.strides, c.pad).dataSync(),
  ) as Float32Array;
  const dyShape = outShape(c);
  return {
    inputs: {
      dy: { shape: dyShape, values: randomValues(size(dyShape), seed + 1) },
      input: { shape: c.shape, values: x },
      output: { shape: dyShape, values: output },
    },
    attrs: { filterSize: c.filterSize, strides: c.strides, pad: c.pad },
  };
}

beforeAll(async () => {
  registerWasmTrainingKernels();
  await useBackend('wasm');
});

describe('MaxPoolGrad on wasm', () => {
  it.each(poolCases().map((c, i) => [describeCase(c), c, i] as const))(
    'equals cpu: %s',
    async (_, c, i) => {
      const { inputs, attrs } = await gradInputs(c, 100 + 2 * i);
      const reference = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs);
      const actual = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
      expect(actual.shape).toEqual(c.shape);
      expect(actual.values).toEqual(reference.values);
    },
  );

  it('routes a tied window to its first maximum, once', async () => {
    const inputs = {
      dy: { shape: [1, 1, 1, 1], values: new Float32Array([5]) },
      input: { shape: [1, 2, 2, 1], values: new Float32Array([0, 0, 0, 0]) },
      output: { shape: [1, 1, 1, 1], values: new Float32Array([0]) },
    };
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    const actual = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
    expect([...actual.values]).toEqual([5, 0, 0, 0]);
  });

  it('skips NaN like cpu and routes nothing from an all -Infinity window', async () => {
    const inputs = {
      dy: { shape: [1, 1, 2, 1], values: new Float32Array([3, 7]) },
      input: {
        shape: [1, 2, 4, 1],
        values: new Float32Array([
          Number.NaN,
          1,
          -Infinity,
          -Infinity,
          2,
          Number.NaN,
          -Infinity,
          -Infinity,
        ]),
      },
      output: { shape: [1, 1, 2, 1], values: new Float32Array([2, -Infinity]) },
    };
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    const reference = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs);
    const actual = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
    expect([...actual.values]).toEqual([0, 0, 0, 0, 3, 0, 0, 0]);
    expect(actual.values).toEqual(reference.values);
  });

  it('honours dimRoundingMode like cpu', async () => {
    const c: PoolCase = {
      shape: [2, 8, 7, 3],
      filterSize: [3, 3],
      strides: [2, 2],
      pad: 1,
      values: 'relu',
    };
    for (const dimRoundingMode of ['floor', 'round', 'ceil'] as const) {
      const info = tf.backend_util.computePool2DInfo(c.shape, 3, 2, 1, 1, dimRoundingMode);
      const dy = { shape: info.outShape, values: randomValues(size(info.outShape), 9) };
      const input = { shape: c.shape, values: inputValues(c, 8) };
      const inputs = { dy, input, output: dy };
      const attrs = { filterSize: 3, strides: 2, pad: 1, dimRoundingMode };
      const reference = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs);
      const actual = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
      expect(actual.values, dimRoundingMode).toEqual(reference.values);
    }
  });

  it('rejects a dy whose shape does not match the pool', async () => {
    await useBackend('wasm');
    const input = tf.zeros([1, 4, 4, 1]);
    const dy = tf.zeros([1, 3, 3, 1]);
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' } as unknown as NamedAttrMap;
    expect(() => tf.engine().runKernel('MaxPoolGrad', { dy, input, output: dy }, attrs)).toThrow(
      /dy has shape \[1,3,3,1\], expected \[1,2,2,1\]/,
    );
    tf.dispose([input, dy]);
  });

  // The stock kernel misroutes windows whose values are all negative (it sends
  // their gradient to the first element of the image or drops it), so it is
  // compared only on positive inputs.
  it('agrees with the stock wasm kernel on positive inputs', async () => {
    const stock = stockMaxPoolGradConfig();
    expect(stock).toBeDefined();
    expect(stock).not.toBe(maxPoolGradConfig);
    const c: PoolCase = {
      shape: [2, 14, 14, 8],
      filterSize: [3, 3],
      strides: [2, 2],
      pad: 'same',
      values: 'positive',
    };
    const { inputs, attrs } = await gradInputs(c, 77);
    await useBackend('wasm');
    const backend = tf.engine().backend;
    const tensors = {
      dy: tf.tensor(inputs.dy.values, [...inputs.dy.shape]),
      input: tf.tensor(inputs.input.values, [...inputs.input.shape]),
      output: tf.tensor(inputs.output.values, [...inputs.output.shape]),
    };
    const out = stock?.kernelFunc({
      inputs: tensors,
      attrs: attrs as unknown as NamedAttrMap,
      backend,
    }) as TensorInfo;
    const stockValues = (backend.readSync(out.dataId) as Float32Array).slice();
    backend.disposeData(out.dataId);
    tf.dispose(Object.values(tensors));
    const ours = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
    // The stock kernel sums overlapping windows in float32, so allow rounding.
    const scale = Math.max(...stockValues.map(Math.abs));
    const diff = Math.max(...stockValues.map((v, i) => Math.abs(v - (ours.values[i] ?? 0))));
    expect(diff / scale).toBeLessThanOrEqual(1e-6);
  });

  it('frees every intermediate', async () => {
    for (const [i, c] of poolCases().slice(0, 7).entries()) {
      const { inputs, attrs } = await gradInputs(c, i);
      await useBackend('wasm');
      const backend = tf.engine().backend;
      const tensors: Record<string, tf.Tensor> = {};
      for (const [name, input] of Object.entries(inputs))
        tensors[name] = tf.tensor(input.values, [...input.shape]);
      const tensorsBefore = tf.memory().numTensors;
      const dataBefore = backend.numDataIds();
      const out = tf
        .engine()
        .runKernel('MaxPoolGrad', tensors, attrs as unknown as NamedAttrMap) as tf.Tensor;
      expect(tf.memory().numTensors).toBe(tensorsBefore + 1);
      expect(backend.numDataIds()).toBe(dataBefore + 1);
      out.dispose();
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      expect(backend.numDataIds()).toBe(dataBefore);
      tf.dispose(Object.values(tensors));
    }
  });

  it('is registered by registerWasmTrainingKernels, idempotently', () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(maxPoolGradConfig);
    expect(stockMaxPoolGradConfig()?.kernelFunc).not.toBe(maxPoolGradConfig.kernelFunc);
  });
});

describe('gradient of maxPool through tf.grad', () => {
  const shape: Shape4 = [3, 13, 12, 6];

  async function gradientOn(backend: NodeBackend): Promise<Float32Array> {
    await useBackend(backend);
    return tf.tidy(() => {
      const x = tf.relu(tf.tensor4d(randomValues(size(shape), 21), shape));
      const weights = tf.tensor1d(randomValues(4000, 22));
      const loss = (input: tf.Tensor) => {
        const a = tf.maxPool(input as tf.Tensor4D, 3, 2, 'same');
        const b = tf.maxPool(tf.relu(a), 2, 2, 'valid');
        const c = tf.maxPool(input as tf.Tensor4D, [2, 3], [1, 3], 'valid');
        const flat = tf.concat([a.flatten(), b.flatten(), c.flatten()]);
        return tf.sum(tf.mul(flat, weights.slice(0, flat.size)));
      };
      return tf.grad(loss)(x).dataSync() as Float32Array;
    });
  }

  it('equals cpu and leaks no tensor', async () => {
    const reference = await gradientOn('cpu');
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const actual = await gradientOn('wasm');
    expect(tf.memory().numTensors).toBe(before);
    expect(actual).toEqual(reference);
  });
});
