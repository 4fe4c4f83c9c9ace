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
  pathLayers,
  type Shape,
} from './spec';
import { type TimedJob, type Timing, type TimingOptions, timeJobs } from './timing';

/**
 * Layer and slice profiling on the active tfjs backend, with the timing of
 * ./timing (interleaved rounds, fastest and median kept). The same code runs
 * in Node and in the browser.
 */

/** One layer configuration, timed alone (inside one call, its output read back). */
export interface LayerSample extends Timing {
  kind: LayerKind;
  layer: LayerSpec;
  inputShape: Shape;
  features: number[];
  outputBytes: number;
}

/** One layer of the real model, timed alone on its real input. */
export interface ModelLayerSample extends LayerSample {
  /** The first exit path the layer is on, and its index there. */
  exit: number;
  index: number;
}

/** One slice `[from, to)` of an exit path, timed as one call. */
export interface SliceSample extends Timing {
  exit: number;
  from: number;
  to: number;
}

/** What one call costs besides its layers, timed beside the model's layers and slices. */
export interface CallSamples {
  /** A call that runs no layer and reads back the model input (`inputBytes`). */
  empty: Timing & { bytes: number };
  /** Reading back tensors of `bytes`. */
  readback: (Timing & { bytes: number })[];
}

/** The real model's layers, slices and call costs, timed in the same interleaved rounds. */
export interface ModelSamples {
  layers: ModelLayerSample[];
  slices: SliceSample[];
  calls: CallSamples;
}

/** Times one layer on `input` as one call; inference dropout hands back its input. */
function layerJob(model: MultiExitModel, layer: LayerSpec, input: tf.Tensor): TimedJob {
  return { run: () => tf.tidy(() => applyLayer(model, layer, input)), keep: input };
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
  const models = configs.map(({ layer, input }, i) => singleLayerModel(layer, input, i + 1));
  const inputs = configs.map(({ input }, i) =>
    tf.randomUniform([1, ...input], 0, 1, 'float32', i + 1),
  );
  try {
    const timings = await timeJobs(
      configs.map(({ layer }, i) =>
        layerJob(models[i] as MultiExitModel, layer, inputs[i] as tf.Tensor),
      ),
      opts,
    );
    return configs.map(({ layer, input }, i) => {
      const record = describePath((models[i] as MultiExitModel).spec, 0).layers[0];
      return {
        kind: layer.kind,
        layer,
        inputShape: input,
        features: record?.features ?? [],
        outputBytes: record?.outputBytes ?? 0,
        ...(timings[i] as Timing),
      };
    });
  } finally {
    for (const m of models) disposeModel(m);
    tf.dispose(inputs);
  }
}

/** Float counts of the tensors read back to time read-back against size. */
const READBACK_ELEMENTS = [256, 4096, 16384, 65536];

/**
 * Times, in the same interleaved rounds: every distinct layer of `model`
 * alone on its real input; every slice `[0, p)` and `[p, end)` of every
 * exit path as one call (the whole path once); an empty call; and reading
 * back tensors of several sizes.
 */
export async function profileModel(
  model: MultiExitModel,
  opts: TimingOptions,
): Promise<ModelSamples> {
  const paths = describeModel(model.spec);
  const x0 = tf.randomUniform([1, ...model.spec.input], 0, 1, 'float32', 2);
  const owned: tf.Tensor[] = [x0];
  const inputs = new Map<string, tf.Tensor>();
  const inputAt = (exit: number, index: number): tf.Tensor => {
    const key = `${exit}:${index}`;
    let t = inputs.get(key);
    if (!t) {
      t = runSlice(model, exit, 0, index, x0);
      inputs.set(key, t);
      owned.push(t);
    }
    return t;
  };
  try {
    const layerJobs: { sample: Omit<ModelLayerSample, keyof Timing>; job: TimedJob }[] = [];
    const seen = new Set<string>();
    for (const p of paths) {
      const specs = pathLayers(model.spec, p.exit);
      for (const l of p.layers) {
        if (seen.has(l.name)) continue;
        seen.add(l.name);
        const layer = specs[l.index] as LayerSpec;
        layerJobs.push({
          sample: {
            exit: p.exit,
            index: l.index,
            kind: l.kind,
            layer,
            inputShape: l.inputShape,
            features: l.features,
            outputBytes: l.outputBytes,
          },
          job: layerJob(model, layer, inputAt(p.exit, l.index)),
        });
      }
    }
    const sliceJobs: { slice: Omit<SliceSample, keyof Timing>; job: TimedJob }[] = [];
    for (const p of paths) {
      const n = p.layers.length;
      for (let cut = 1; cut <= n; cut++) {
        sliceJobs.push({
          slice: { exit: p.exit, from: 0, to: cut },
          job: { run: () => runSlice(model, p.exit, 0, cut, x0) },
        });
        if (cut < n) {
          const mid = inputAt(p.exit, cut);
          sliceJobs.push({
            slice: { exit: p.exit, from: cut, to: n },
            job: { run: () => runSlice(model, p.exit, cut, n, mid) },
          });
        }
      }
    }
    const readbacks = READBACK_ELEMENTS.map((n) => tf.randomUniform([n], 0, 1, 'float32', n));
    owned.push(...readbacks);
    const empty: TimedJob = { run: () => tf.tidy(() => x0), keep: x0 };
    const jobs = [
      empty,
      ...readbacks.map((t) => ({ run: () => t, keep: t })),
      ...layerJobs.map((j) => j.job),
      ...sliceJobs.map((j) => j.job),
    ];
    const t = await timeJobs(jobs, opts);
    const at = (i: number) => t[i] as Timing;
    let k = 0;
    const calls: CallSamples = {
      empty: { bytes: x0.size * 4, ...at(k++) },
      readback: READBACK_ELEMENTS.map((n) => ({ bytes: 4 * n, ...at(k++) })),
    };
    const layers = layerJobs.map((j) => ({ ...j.sample, ...at(k++) }));
    const slices = sliceJobs.map((j) => ({ ...j.slice, ...at(k++) }));
    return { layers, slices, calls };
  } finally {
    tf.dispose(owned);
  }
}
