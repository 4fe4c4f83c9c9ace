import * as tf from '@tensorflow/tfjs-core';
import { type Rng, seededRng } from './random';
import {
  applyLayer,
  disposeModel,
  initialWeights,
  type MultiExitModel,
  modelFromWeights,
  runSlice,
} from './run';
import {
  describeModel,
  describePath,
  type LayerKind,
  type LayerSpec,
  type ModelSpec,
  outputShapeOf,
  type Shape,
} from './spec';

/**
 * Layer and slice profiling on the active tfjs backend: the same code runs in
 * Node and in the browser (no Node APIs; the clock is passed in).
 */

/** How to time: warm-up runs, then the median of `runs`; `now()` in milliseconds. */
export interface TimingOptions {
  warmup: number;
  runs: number;
  now: () => number;
  /** Called after each item; `await`ed, so a page can yield to render a progress bar. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

/** One layer configuration, timed alone on a batch of one. */
export interface LayerSample {
  kind: LayerKind;
  layer: LayerSpec;
  inputShape: Shape;
  features: number[];
  /** Median milliseconds. */
  ms: number;
}

/** One slice of an exit path, timed as one call. */
export interface SliceSample {
  exit: number;
  from: number;
  to: number;
  ms: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Times `run` (which returns a tensor it owns) to its data being readable; median ms. */
export async function timeTensorFn(run: () => tf.Tensor, opts: TimingOptions): Promise<number> {
  const once = async () => {
    const t0 = opts.now();
    const y = run();
    await y.data();
    const ms = opts.now() - t0;
    y.dispose();
    return ms;
  };
  for (let i = 0; i < opts.warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < opts.runs; i++) times.push(await once());
  return median(times);
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;

/**
 * A seeded spread of layer configurations per kind, around the sizes a
 * 28x28 model meets: feature maps 4..28 wide with 1..128 channels, dense
 * layers of 10..2048 inputs and outputs.
 */
export function layerConfigurations(
  seed: number,
  perKind: number,
): { layer: LayerSpec; input: Shape }[] {
  const rng = seededRng(seed);
  const sides = [4, 7, 10, 14, 20, 28];
  const channels = [1, 8, 16, 32, 48, 64, 96, 128];
  const map = (): [number, number, number] => {
    const s = pick(rng, sides);
    return [s, s, pick(rng, channels)];
  };
  const out: { layer: LayerSpec; input: Shape }[] = [];
  for (let i = 0; i < perKind; i++) {
    const k = pick(rng, [1, 3, 5]);
    out.push({
      layer: {
        kind: 'conv2d',
        name: `conv_${i}`,
        filters: pick(rng, [8, 16, 32, 64, 96, 128]),
        kernel: k,
        stride: pick(rng, [1, 1, 2]),
        padding: 'same',
      },
      input: map(),
    });
    out.push({ layer: { kind: 'relu', name: `relu_${i}` }, input: map() });
    out.push({
      layer: {
        kind: 'maxpool',
        name: `pool_${i}`,
        size: pick(rng, [2, 3]),
        stride: 2,
        padding: pick(rng, ['same', 'valid'] as const),
      },
      input: map(),
    });
    out.push({
      layer: { kind: 'lrn', name: `lrn_${i}`, radius: 2, bias: 2, alpha: 1e-4, beta: 0.75 },
      input: map(),
    });
    out.push({ layer: { kind: 'dropout', name: `drop_${i}`, rate: 0.5 }, input: map() });
    const inputs = pick(rng, [10, 64, 128, 256, 512, 1024, 1568, 2048]);
    out.push({
      layer: {
        kind: 'dense',
        name: `fc_${i}`,
        units: pick(rng, [10, 32, 64, 128, 256, 512, 1024]),
      },
      input: [inputs],
    });
  }
  return out;
}

/** A one-layer model with seeded weights, to time `layer` alone. */
function singleLayerModel(layer: LayerSpec, input: Shape, seed: number): MultiExitModel {
  const classes = outputShapeOf(layer, input).reduce((a, b) => a * b, 1);
  const spec: ModelSpec = {
    id: `profile-${layer.name}`,
    input: input as [number, number, number],
    classes,
    trunk: [layer],
    exits: [{ name: 'only', after: 1, branch: [] }],
  };
  return modelFromWeights(spec, initialWeights(spec, seededRng(seed)));
}

/** Times each configuration alone on a batch of one (inference: dropout is the identity). */
export async function profileLayers(
  configs: { layer: LayerSpec; input: Shape }[],
  opts: TimingOptions,
): Promise<LayerSample[]> {
  const out: LayerSample[] = [];
  for (const [i, { layer, input }] of configs.entries()) {
    const model = singleLayerModel(layer, input, i + 1);
    const x = tf.randomUniform([1, ...input], 0, 1, 'float32', i + 1);
    const ms = await timeTensorFn(() => runSlice(model, 0, 0, 1, x), opts);
    x.dispose();
    disposeModel(model);
    const record = describePath(model.spec, 0).layers[0];
    out.push({ kind: layer.kind, layer, inputShape: input, features: record?.features ?? [], ms });
    await opts.onProgress?.(i + 1, configs.length);
  }
  return out;
}

/** Times every layer of every exit path of `model` in place, each alone on its real input. */
export async function profileModelLayers(
  model: MultiExitModel,
  opts: TimingOptions,
): Promise<(LayerSample & { exit: number; index: number })[]> {
  const out: (LayerSample & { exit: number; index: number })[] = [];
  const paths = describeModel(model.spec);
  const total = paths.reduce((n, p) => n + p.layers.length, 0);
  const x0 = tf.randomUniform([1, ...model.spec.input], 0, 1, 'float32', 1);
  for (const p of paths) {
    for (const l of p.layers) {
      const input = runSlice(model, p.exit, 0, l.index, x0);
      const ms = await timeTensorFn(
        () => runSlice(model, p.exit, l.index, l.index + 1, input),
        opts,
      );
      input.dispose();
      const layer = model.spec.trunk
        .concat(model.spec.exits.flatMap((e) => e.branch))
        .find((s) => s.name === l.name) as LayerSpec;
      out.push({
        exit: p.exit,
        index: l.index,
        kind: l.kind,
        layer,
        inputShape: l.inputShape,
        features: l.features,
        ms,
      });
      await opts.onProgress?.(out.length, total);
    }
  }
  x0.dispose();
  return out;
}

/** Times the head [0, p) and the tail [p, end) of every exit path at every interior partition, each as one call. */
export async function profileSlices(
  model: MultiExitModel,
  opts: TimingOptions,
): Promise<SliceSample[]> {
  const out: SliceSample[] = [];
  const paths = describeModel(model.spec);
  const total = paths.reduce((n, p) => n + 2 * p.layers.length, 0);
  const x0 = tf.randomUniform([1, ...model.spec.input], 0, 1, 'float32', 2);
  for (const p of paths) {
    const n = p.layers.length;
    for (let cut = 0; cut <= n; cut++) {
      const mid = runSlice(model, p.exit, 0, cut, x0);
      for (const [from, to, input] of [
        [0, cut, x0],
        [cut, n, mid],
      ] as const) {
        if (from === to) continue;
        const ms = await timeTensorFn(() => runSlice(model, p.exit, from, to, input), opts);
        out.push({ exit: p.exit, from, to, ms });
        await opts.onProgress?.(out.length, total);
      }
      mid.dispose();
    }
  }
  x0.dispose();
  return out;
}
