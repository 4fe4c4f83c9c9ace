import {
  type FitQuality,
  fitLatencyModel,
  fitLinear,
  fitQuality,
  type LatencyModel,
  PAPER_FEATURES,
  PRODUCT_FEATURES,
  predictLayerMs,
  predictSliceMs,
} from '@edgent/planner';
import * as tf from '@tensorflow/tfjs-core';
import {
  type LayerSample,
  layerConfigurations,
  type ModelSamples,
  profileLayers,
  profileModel,
} from './profile';
import type { MultiExitModel } from './run';
import { describeModel, type LayerKind } from './spec';
import type { Timing, TimingOptions } from './timing';

/** The latency model variants a profile compares on the same held-out data. */
export type VariantName =
  | 'paper'
  | 'paper+call'
  | 'product+call'
  | 'product+call+kind-calibration'
  | 'product+call+layer-calibration';

/** Which of a job's times the fits use. */
export type Statistic = keyof Timing;

/** How well one variant predicts what was measured. */
export interface VariantReport {
  model: LatencyModel;
  /** Layer configurations held out from fitting, each timed as a one-layer call. */
  heldoutLayers: FitQuality;
  /** Every slice `[0, p)` and `[p, end)` of every exit path, timed as one call. */
  slices: FitQuality;
}

/**
 * One side's profile: samples, fitted latency models and their fit quality.
 * `latency` is what the planner uses.
 */
export interface DeviceProfile {
  format: 'edgent-profile/2';
  backend: string;
  device: string;
  createdAt: string;
  tfjs: string;
  model: { id: string; hash?: string };
  timing: { warmup: number; runs: number; minSampleMs: number; statistic: Statistic };
  chosen: VariantName;
  latency: LatencyModel;
  variants: Record<VariantName, VariantReport>;
  /** The same variants fitted on the other statistic, for comparison. */
  otherStatistic: { statistic: Statistic; variants: Record<VariantName, VariantReport> };
  samples: {
    layers: (LayerSample & { heldout: boolean })[];
    model: ModelSamples;
  };
  durationMs: number;
}

/** What to profile and how. */
export interface ProfileSettings extends TimingOptions {
  backend: string;
  device: string;
  /** Layer configurations per kind (a quarter is held out). */
  perKind: number;
  seed: number;
  /** Which time of each job the fits use; default 'min'. */
  statistic?: Statistic;
  modelHash?: string;
  /** Progress over the two phases. */
  onPhase?: (phase: 'layers' | 'model', done: number, total: number) => void | Promise<void>;
}

type Variants = Record<VariantName, VariantReport>;

/**
 * Fits every variant on one statistic and reports each on the held-out
 * configurations and the model's slices.
 */
function fitVariants(
  model: MultiExitModel,
  layers: (LayerSample & { heldout: boolean })[],
  samples: ModelSamples,
  stat: Statistic,
  meta: { backend: string; device: string },
): Variants {
  const ms = (t: Timing) => t[stat];
  // Read-back: a line through the read-back times against bytes; the empty call, net of reading back its input.
  const rb = fitLinear(
    samples.calls.readback.map((r) => [r.bytes]),
    samples.calls.readback.map(ms),
  );
  const readbackMsPerByte = Math.max(0, rb.weights[0] ?? 0);
  const callOverheadMs = Math.max(
    0,
    ms(samples.calls.empty) - readbackMsPerByte * samples.calls.empty.bytes,
  );
  const net = (s: LayerSample) =>
    Math.max(0, ms(s) - callOverheadMs - readbackMsPerByte * s.outputBytes);
  const fitSet = layers.filter((s) => !s.heldout);
  const heldout = layers.filter((s) => s.heldout);
  const paths = describeModel(model.spec);

  const report = (m: LatencyModel, asPaper = false): VariantReport => {
    // The paper's model: a slice is the sum of its layers' regressions, nothing else.
    const slice = (ls: Parameters<typeof predictSliceMs>[1]) =>
      asPaper ? ls.reduce((a, l) => a + predictLayerMs(m, l), 0) : predictSliceMs(m, ls);
    return {
      model: m,
      heldoutLayers: fitQuality(
        heldout.map((s) => ({
          predicted: slice([{ kind: s.kind, features: s.features, outputBytes: s.outputBytes }]),
          measured: ms(s),
        })),
      ),
      slices: fitQuality(
        samples.slices.map((s) => ({
          predicted: slice(paths[s.exit]?.layers.slice(s.from, s.to) ?? []),
          measured: ms(s),
        })),
      ),
    };
  };
  const composed = { callOverheadMs, readbackMsPerByte };
  const paper = fitLatencyModel(
    fitSet.map((s) => ({ ...s, ms: ms(s) })),
    { ...meta, features: PAPER_FEATURES },
  );
  const paperCall: LatencyModel = {
    ...fitLatencyModel(
      fitSet.map((s) => ({ ...s, ms: net(s) })),
      { ...meta, features: PAPER_FEATURES },
    ),
    ...composed,
  };
  const product: LatencyModel = {
    ...fitLatencyModel(
      fitSet.map((s) => ({ ...s, ms: net(s) })),
      { ...meta, features: PRODUCT_FEATURES },
    ),
    ...composed,
  };
  // Per-kind calibration: the model's own layers, timed in place, scale their kind's regression.
  const kindCalibration: Partial<Record<LayerKind, number>> = {};
  for (const kind of new Set(samples.layers.map((s) => s.kind))) {
    const own = samples.layers.filter((s) => s.kind === kind);
    const p = own.reduce((a, s) => a + predictLayerMs(product, s), 0);
    const m = own.reduce((a, s) => a + net(s), 0);
    kindCalibration[kind] = p > 0 ? m / p : 1;
  }
  // Per-layer calibration: each of the model's layers is predicted by its own in-place time.
  const layerMs: Record<string, number> = {};
  for (const s of samples.layers) layerMs[s.layer.name] = net(s);
  return {
    paper: report(paper, true),
    'paper+call': report(paperCall),
    'product+call': report(product),
    'product+call+kind-calibration': report({ ...product, kindCalibration }),
    'product+call+layer-calibration': report({ ...product, layerMs }),
  };
}

/** The variant that predicts whole slices best (most within +-10%, then lowest median error). */
function best(variants: Variants): VariantName {
  return (Object.keys(variants) as VariantName[]).reduce((b, name) => {
    const x = variants[name].slices;
    const y = variants[b].slices;
    return x.within10 > y.within10 || (x.within10 === y.within10 && x.mape < y.mape) ? name : b;
  }, 'paper' as VariantName);
}

/**
 * Profiles the active backend: a seeded spread of layer configurations (a
 * quarter held out), then, in one set of interleaved rounds, every layer of
 * `model` in place, every head and tail slice of its exit paths, and the
 * fixed and read-back costs of a call. Fits the paper's regressions and
 * improved variants, and reports each one's quality on the same held-out
 * layers and slices; the planner gets the variant that predicts slices best.
 */
export async function profileDevice(
  model: MultiExitModel,
  settings: ProfileSettings,
): Promise<DeviceProfile> {
  const started = settings.now();
  const statistic = settings.statistic ?? 'min';
  const phase = (name: 'layers' | 'model'): TimingOptions => ({
    ...settings,
    onProgress: (done, total) => settings.onPhase?.(name, done, total),
  });
  const configs = layerConfigurations(settings.seed, settings.perKind);
  // Every fourth configuration of each kind is held out from fitting.
  const seen = new Map<LayerKind, number>();
  const layers = (await profileLayers(configs, phase('layers'))).map((s) => {
    const j = seen.get(s.kind) ?? 0;
    seen.set(s.kind, j + 1);
    return { ...s, heldout: j % 4 === 3 };
  });
  const samples = await profileModel(model, phase('model'));
  const meta = { backend: settings.backend, device: settings.device };
  const variants = fitVariants(model, layers, samples, statistic, meta);
  const other: Statistic = statistic === 'min' ? 'median' : 'min';
  const chosen = best(variants);
  return {
    format: 'edgent-profile/2',
    backend: settings.backend,
    device: settings.device,
    createdAt: new Date().toISOString(),
    tfjs: tf.version_core,
    model: { id: model.spec.id, ...(settings.modelHash ? { hash: settings.modelHash } : {}) },
    timing: {
      warmup: settings.warmup,
      runs: settings.runs,
      minSampleMs: settings.minSampleMs ?? 1,
      statistic,
    },
    chosen,
    latency: variants[chosen].model,
    variants,
    otherStatistic: {
      statistic: other,
      variants: fitVariants(model, layers, samples, other, meta),
    },
    samples: { layers, model: samples },
    durationMs: settings.now() - started,
  };
}
