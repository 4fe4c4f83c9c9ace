import {
  type FitQuality,
  fitLatencyModel,
  fitQuality,
  type LatencyModel,
  PAPER_FEATURES,
  PRODUCT_FEATURES,
  predictLayerMs,
} from '@edgent/planner';
import * as tf from '@tensorflow/tfjs-core';
import {
  type LayerSample,
  layerConfigurations,
  profileLayers,
  profileModelLayers,
  profileSlices,
  type SliceSample,
  type TimingOptions,
  timeTensorFn,
} from './profile';
import { type MultiExitModel, runSlice } from './run';
import { describeModel, type LayerKind } from './spec';

/** The latency model variants a profile compares on the same held-out data. */
export type VariantName =
  | 'paper'
  | 'paper+overhead'
  | 'product+overhead'
  | 'product+overhead+calibration'
  | 'product+overhead+kind-calibration';

/** How well one variant predicts what was measured. */
export interface VariantReport {
  model: LatencyModel;
  /** Layer configurations held out from fitting. */
  heldoutLayers: FitQuality;
  /** Every head [0, p) and tail [p, end) of every exit path, timed as one call. */
  slices: FitQuality;
}

/**
 * One side's profile: samples, fitted latency models and their fit quality.
 * `latency` is what the planner uses.
 */
export interface DeviceProfile {
  format: 'edgent-profile/1';
  backend: string;
  device: string;
  createdAt: string;
  tfjs: string;
  model: { id: string; hash?: string };
  timing: { warmup: number; runs: number };
  chosen: VariantName;
  latency: LatencyModel;
  variants: Record<VariantName, VariantReport>;
  samples: {
    layers: (LayerSample & { heldout: boolean })[];
    modelLayers: (LayerSample & { exit: number; index: number })[];
    slices: SliceSample[];
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
  modelHash?: string;
  /** Progress over the three phases, 0..1 overall. */
  onPhase?: (
    phase: 'layers' | 'model layers' | 'slices',
    done: number,
    total: number,
  ) => void | Promise<void>;
}

/** Sum of predicted layer times over [from, to) of each sliced path. */
function slicePairs(
  model: MultiExitModel,
  latency: LatencyModel,
  slices: SliceSample[],
): { predicted: number; measured: number }[] {
  const paths = describeModel(model.spec);
  return slices.map((s) => {
    const layers = paths[s.exit]?.layers.slice(s.from, s.to) ?? [];
    return {
      predicted: layers.reduce((a, l) => a + predictLayerMs(latency, l), 0),
      measured: s.ms,
    };
  });
}

/**
 * Profiles the active backend: a seeded spread of layer configurations (a
 * quarter held out), every layer of `model` in place, and every head and
 * tail slice of its exit paths. Fits the paper's regressions, a variant with
 * product terms, and that variant calibrated on the model's own layers, and
 * reports each one's quality on the same held-out layers and slices.
 */
export async function profileDevice(
  model: MultiExitModel,
  settings: ProfileSettings,
): Promise<DeviceProfile> {
  const started = settings.now();
  const phase = (name: 'layers' | 'model layers' | 'slices') => ({
    ...settings,
    onProgress: (done: number, total: number) => settings.onPhase?.(name, done, total),
  });
  const configs = layerConfigurations(settings.seed, settings.perKind);
  const layers = (await profileLayers(configs, phase('layers'))).map((s, i) => ({
    ...s,
    heldout: i % 4 === 3,
  }));
  const modelLayers = await profileModelLayers(model, phase('model layers'));
  const slices = await profileSlices(model, phase('slices'));

  // The fixed cost of one call (dispatch, tidy, read-back), timed on an empty slice.
  const x0 = tf.zeros([1, ...model.spec.input]);
  const callOverheadMs = await timeTensorFn(() => runSlice(model, 0, 0, 0, x0), settings);
  x0.dispose();

  const fitSet = layers.filter((s) => !s.heldout);
  const heldout = layers.filter((s) => s.heldout);
  const meta = { backend: settings.backend, device: settings.device };
  const net = (xs: LayerSample[]) =>
    xs.map((s) => ({ ...s, ms: Math.max(0, s.ms - callOverheadMs) }));
  const report = (m: LatencyModel): VariantReport => {
    const once = m.callOverheadMs ?? 0;
    return {
      model: m,
      heldoutLayers: fitQuality(
        heldout.map((s) => ({ predicted: predictLayerMs(m, s) + once, measured: s.ms })),
      ),
      slices: fitQuality(
        slicePairs(model, m, slices).map((p) => ({ ...p, predicted: p.predicted + once })),
      ),
    };
  };
  const paper = fitLatencyModel(fitSet, { ...meta, features: PAPER_FEATURES });
  const paperNet: LatencyModel = {
    ...fitLatencyModel(net(fitSet), { ...meta, features: PAPER_FEATURES }),
    callOverheadMs,
  };
  const productNet: LatencyModel = {
    ...fitLatencyModel(net(fitSet), { ...meta, features: PRODUCT_FEATURES }),
    callOverheadMs,
  };
  // Calibration: the model's own layers, timed once in place, scale every layer prediction.
  const predictedSum = modelLayers.reduce((a, s) => a + predictLayerMs(productNet, s), 0);
  const measuredSum = modelLayers.reduce((a, s) => a + Math.max(0, s.ms - callOverheadMs), 0);
  const calibrated: LatencyModel = {
    ...productNet,
    calibration: predictedSum > 0 ? measuredSum / predictedSum : 1,
  };
  // Per-kind calibration: the same, one factor per layer kind.
  const kindCalibration: Partial<Record<LayerKind, number>> = {};
  for (const kind of new Set(modelLayers.map((s) => s.kind))) {
    const own = modelLayers.filter((s) => s.kind === kind);
    const p = own.reduce((a, s) => a + predictLayerMs(productNet, s), 0);
    const m = own.reduce((a, s) => a + Math.max(0, s.ms - callOverheadMs), 0);
    kindCalibration[kind] = p > 0 ? m / p : 1;
  }
  const kindCalibrated: LatencyModel = { ...productNet, kindCalibration };
  const variants: Record<VariantName, VariantReport> = {
    paper: report(paper),
    'paper+overhead': report(paperNet),
    'product+overhead': report(productNet),
    'product+overhead+calibration': report(calibrated),
    'product+overhead+kind-calibration': report(kindCalibrated),
  };
  // The planner gets the variant that predicts whole slices best.
  const chosen = (Object.keys(variants) as VariantName[]).reduce((best, name) => {
    const a = variants[name].slices;
    const b = variants[best].slices;
    return a.within10 > b.within10 || (a.within10 === b.within10 && a.mape < b.mape) ? name : best;
  }, 'paper' as VariantName);
  return {
    format: 'edgent-profile/1',
    backend: settings.backend,
    device: settings.device,
    createdAt: new Date().toISOString(),
    tfjs: tf.version_core,
    model: { id: model.spec.id, ...(settings.modelHash ? { hash: settings.modelHash } : {}) },
    timing: { warmup: settings.warmup, runs: settings.runs },
    chosen,
    latency: variants[chosen].model,
    variants,
    samples: { layers, modelLayers, slices },
    durationMs: settings.now() - started,
  };
}
