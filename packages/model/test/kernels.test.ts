import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type NodeBackend, tf, useBackend } from '../src/backend';
import {
  conv2DBackpropInputConfig,
  registerWasmTrainingKernels,
  stockConv2DBackpropInputConfig,
} from '../src/kernels';
import { conv2DBackpropFilterConfig } from '../src/kernels/conv2d-backprop-filter';
import { randomValues, runKernelOn, size } from './kernel-helpers';

type Shape4 = [number, number, number, number];
type Padding = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strides: [number, number];
  pad: Padding;
}

/** Largest |a - b| over the largest |b|: how a kernel is compared with the cpu backend's. */
function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  expect(actual.length).toBe(reference.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] ?? Number.NaN) - (reference[i] ?? 0)));
    scale = Math.max(scale, Math.abs(reference[i] ?? 0));
  }
  return scale === 0 ? diff : diff / scale;
}

function shapes(c: ConvCase) {
  const x: Shape4 = [c.batch, c.height, c.width, c.inChannels];
  const filter: Shape4 = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels];
  const info = tf.backend_util.computeConv2DInfo(x, filter, c.strides, 1, c.pad);
  return { x, filter, dy: info.outShape };
}

function describeCase(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : `explicit ${JSON.stringify(c.pad.slice(1, 3))}`;
  return (
    `x ${c.batch}x${c.height}x${c.width}x${c.inChannels}, filter ${c.filterHeight}x${c.filterWidth}` +
    `->${c.outChannels}, strides ${c.strides.join('x')}, ${pad}`
  );
}

/** Hand-picked edges, then deterministic random shapes over the brief's ranges. */
function convCases(): ConvCase[] {
  const picked: ConvCase[] = [
    {
      batch: 8,
      height: 28,
      width: 28,
      inChannels: 1,
      outChannels: 32,
      filterHeight: 5,
      filterWidth: 5,
      strides: [1, 1],
      pad: 'same',
    },
    {
      batch: 2,
      height: 14,
      width: 14,
      inChannels: 32,
      outChannels: 32,
      filterHeight: 5,
      filterWidth: 5,
      strides: [1, 1],
      pad: 'same',
    },
    {
      batch: 2,
      height: 7,
      width: 7,
      inChannels: 16,
      outChannels: 32,
      filterHeight: 3,
      filterWidth: 3,
      strides: [1, 1],
      pad: 'valid',
    },
    {
      batch: 1,
      height: 5,
      width: 5,
      inChannels: 1,
      outChannels: 1,
      filterHeight: 1,
      filterWidth: 1,
      strides: [2, 2],
      pad: 'valid',
    },
    {
      batch: 3,
      height: 9,
      width: 10,
      inChannels: 3,
      outChannels: 5,
      filterHeight: 3,
      filterWidth: 3,
      strides: [3, 3],
      pad: 'same',
    },
    {
      batch: 2,
      height: 12,
      width: 11,
      inChannels: 4,
      outChannels: 6,
      filterHeight: 4,
      filterWidth: 4,
      strides: [2, 2],
      pad: 'same',
    },
    {
      batch: 2,
      height: 8,
      width: 8,
      inChannels: 2,
      outChannels: 3,
      filterHeight: 2,
      filterWidth: 2,
      strides: [2, 2],
      pad: [
        [0, 0],
        [3, 4],
        [2, 5],
        [0, 0],
      ],
    },
    {
      batch: 5,
      height: 6,
      width: 27,
      inChannels: 7,
      outChannels: 4,
      filterHeight: 5,
      filterWidth: 1,
      strides: [2, 3],
      pad: 'valid',
    },
    {
      batch: 1,
      height: 28,
      width: 28,
      inChannels: 1,
      outChannels: 8,
      filterHeight: 5,
      filterWidth: 5,
      strides: [3, 3],
      pad: 'valid',
    },
  ];
  const rand = randomValues(12 * 40, 7);
  let r = 0;
  const pick = (lo: number, hi: number) =>
    lo + Math.floor((((rand[r++] ?? 0) + 1) / 2) * (hi - lo + 1));
  const random: ConvCase[] = [];
  while (random.length < 32) {
    const filterHeight = pick(1, 5);
    const filterWidth = pick(1, 5);
    const stride = pick(1, 3);
    const kind = pick(0, 2);
    const pad: Padding =
      kind === 0
        ? 'same'
        : kind === 1
          ? 'valid'
          : [
              [0, 0],
              [pick(0, filterHeight), pick(0, filterHeight)],
              [pick(0, filterWidth), pick(0, filterWidth)],
              [0, 0],
            ];
    const c: ConvCase = {
      batch: pick(1, 8),
      height: pick(5, 28),
      width: pick(5, 28),
      inChannels: [1, 2, 3, 8, 16, 32][pick(0, 5)] ?? 1,
      outChannels: [1, 4, 7, 16, 32][pick(0, 4)] ?? 1,
      filterHeight,
      filterWidth,
      strides: [stride, pick(0, 1) === 0 ? stride : pick(1, 3)],
      pad,
    };
    if (size(shapes(c).dy) > 0) random.push(c);
  }
  return [...picked, ...random];
}

function filterGradInputs(c: ConvCase, seed: number) {
  const s = shapes(c);
  const inputs = {
    x: { shape: s.x, values: randomValues(size(s.x), seed) },
    dy: { shape: s.dy, values: randomValues(size(s.dy), seed + 1) },
  };
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: s.filter };
  return { inputs, attrs, outShape: s.filter };
}

function inputGradInputs(c: ConvCase, seed: number) {
  const s = shapes(c);
  const inputs = {
    dy: { shape: s.dy, values: randomValues(size(s.dy), seed) },
    filter: { shape: s.filter, values: randomValues(size(s.filter), seed + 1) },
  };
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: s.x };
  return { inputs, attrs, outShape: s.x };
}

const TOLERANCE = 1e-5;

beforeAll(async () => {
  registerWasmTrainingKernels();
  await useBackend('wasm');
});

describe('Conv2DBackpropFilter on wasm', () => {
  it.each(convCases().map((c, i) => [describeCase(c), c, i] as const))(
    'matches cpu: %s',
    async (_, c, i) => {
      const { inputs, attrs, outShape } = filterGradInputs(c, 100 + 2 * i);
      const reference = await runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
      const actual = await runKernelOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
      expect(actual.shape).toEqual(outShape);
      expect(relativeError(actual.values, reference.values)).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it('rejects NCHW with a message naming the supported format', async () => {
    await useBackend('wasm');
    const x = tf.zeros([1, 1, 5, 5]);
    const dy = tf.zeros([1, 1, 5, 5]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 1, 1] };
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as NamedAttrMap),
    ).toThrow(
      expect.objectContaining({
        code: 'EDGENT_ERR_KERNEL_DATA_FORMAT',
        message: expect.stringMatching(/supports dataFormat 'NHWC' only; received 'NCHW'/),
      }),
    );
    tf.dispose([x, dy]);
  });
});

describe('Conv2DBackpropInput on wasm', () => {
  it.each(convCases().map((c, i) => [describeCase(c), c, i] as const))(
    'matches cpu: %s',
    async (_, c, i) => {
      const { inputs, attrs, outShape } = inputGradInputs(c, 500 + 2 * i);
      const reference = await runKernelOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
      const actual = await runKernelOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
      expect(actual.shape).toEqual(outShape);
      expect(relativeError(actual.values, reference.values)).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it('matches the stock wasm kernel it replaces', async () => {
    await useBackend('wasm');
    const stock = stockConv2DBackpropInputConfig();
    expect(stock).toBeDefined();
    expect(stock).not.toBe(conv2DBackpropInputConfig);
    const backend = tf.engine().backend;
    for (const [i, c] of convCases().slice(0, 9).entries()) {
      const { inputs, attrs } = inputGradInputs(c, 900 + 2 * i);
      const dy = tf.tensor(inputs.dy.values, [...inputs.dy.shape]);
      const filter = tf.tensor(inputs.filter.values, [...inputs.filter.shape]);
      const out = stock?.kernelFunc({
        inputs: { dy, filter },
        attrs: attrs as NamedAttrMap,
        backend,
      }) as TensorInfo;
      const stockValues = backend.readSync(out.dataId) as Float32Array;
      backend.disposeData(out.dataId);
      const ours = (await runKernelOn('wasm', 'Conv2DBackpropInput', inputs, attrs)).values;
      tf.dispose([dy, filter]);
      expect(relativeError(ours, stockValues), describeCase(c)).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});

describe('registration', () => {
  it('is idempotent and keeps the stock kernel reachable', () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(conv2DBackpropInputConfig);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(conv2DBackpropFilterConfig);
    expect(stockConv2DBackpropInputConfig()?.kernelFunc).not.toBe(
      conv2DBackpropInputConfig.kernelFunc,
    );
  });
});

describe('memory', () => {
  // Cases that take every path: plain, dilated, cropped output, large explicit pads.
  const leakCases = convCases().slice(2, 9);

  it.each(['Conv2DBackpropFilter', 'Conv2DBackpropInput'])(
    '%s frees every intermediate',
    async (kernelName) => {
      await useBackend('wasm');
      const backend = tf.engine().backend;
      for (const [i, c] of leakCases.entries()) {
        const { inputs, attrs } =
          kernelName === 'Conv2DBackpropFilter' ? filterGradInputs(c, i) : inputGradInputs(c, i);
        const tensors: Record<string, tf.Tensor> = {};
        for (const [name, input] of Object.entries(inputs))
          tensors[name] = tf.tensor(input.values, [...input.shape]);
        const tensorsBefore = tf.memory().numTensors;
        const dataBefore = backend.numDataIds();
        const out = tf.engine().runKernel(kernelName, tensors, attrs as NamedAttrMap) as tf.Tensor;
        expect(tf.memory().numTensors).toBe(tensorsBefore + 1);
        expect(backend.numDataIds()).toBe(dataBefore + 1);
        out.dispose();
        expect(tf.memory().numTensors).toBe(tensorsBefore);
        expect(backend.numDataIds()).toBe(dataBefore);
        tf.dispose(Object.values(tensors));
      }
    },
  );
});

describe('gradient of a small conv net', () => {
  const params = {
    x: [4, 12, 12, 3],
    w1: [3, 3, 3, 8],
    w2: [5, 5, 8, 16],
    w3: [3, 3, 16, 8],
    dense: [2 * 2 * 8, 5],
  } as const;

  function net(
    x: tf.Tensor4D,
    w1: tf.Tensor4D,
    w2: tf.Tensor4D,
    w3: tf.Tensor4D,
    dense: tf.Tensor2D,
  ) {
    const a1 = tf.tanh(tf.conv2d(x, w1, 1, 'same'));
    const a2 = tf.tanh(tf.conv2d(a1, w2, 2, 'valid'));
    const a3 = tf.tanh(
      tf.conv2d(a2, w3, 2, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
    );
    const logits = tf.matMul(tf.reshape(a3, [x.shape[0], -1]), dense);
    return tf.sum(tf.mul(logits, tf.linspace(-1, 1, size(logits.shape)).reshape(logits.shape)));
  }

  async function gradientsOn(backend: NodeBackend): Promise<Float32Array[]> {
    await useBackend(backend);
    return tf.tidy(() => {
      const inputs = Object.values(params).map((shape, i) =>
        tf.tensor(randomValues(size(shape), 40 + i), [...shape]).mul(i === 0 ? 1 : 0.3),
      );
      const grads = tf.grads((x, w1, w2, w3, dense) =>
        net(
          x as tf.Tensor4D,
          w1 as tf.Tensor4D,
          w2 as tf.Tensor4D,
          w3 as tf.Tensor4D,
          dense as tf.Tensor2D,
        ),
      )(inputs);
      return grads.map((g) => g.dataSync() as Float32Array);
    });
  }

  it('matches cpu for the input and every weight', async () => {
    const reference = await gradientsOn('cpu');
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const actual = await gradientsOn('wasm');
    expect(tf.memory().numTensors).toBe(before);
    const names = Object.keys(params);
    for (const [i, values] of actual.entries()) {
      expect(
        relativeError(values, reference[i] ?? new Float32Array()),
        names[i],
      ).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
