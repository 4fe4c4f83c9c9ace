/**
 * Latency regressions (docs/planner.md, "Latency models"): ordinary least squares with an
 * intercept, one model per layer kind per side, and the fit-quality numbers
 * the project reports (share of layers within +-10%, median absolute
 * percentage error).
 *
 * Columns are centred and scaled before solving the normal equations by
 * Cholesky, with a tiny ridge so collinear or constant columns stay solvable;
 * the coefficients are mapped back to the raw variables.
 */
import { PlannerError } from './errors';
import type { LatencyModel, LayerKind, LinearModel } from './types';

/** One timed layer configuration. */
export interface LatencySample {
  kind: LayerKind;
  /** The kind's regression variables, in `FEATURE_NAMES` order of packages/model. */
  features: readonly number[];
  /** Measured milliseconds. */
  ms: number;
}

/**
 * The variables of each kind's regression, as products of the layer's
 * features (see `LinearModel.terms`). A kind left out uses its features as
 * they are.
 */
export type FeatureSet = Partial<Record<LayerKind, number[][]>>;

/** The paper's variables: each feature once (docs/planner.md). The default. */
export const PAPER_FEATURES: Readonly<FeatureSet> = Object.freeze({});

/**
 * The paper's variables plus the product of the two for convolution and
 * fully connected layers (input size x (kernel/stride)^2 x filters is the
 * convolution's multiply-adds; input x output the dense layer's).
 */
export const PRODUCT_FEATURES: Readonly<FeatureSet> = Object.freeze({
  conv2d: [[0], [1], [0, 1]],
  dense: [[0], [1], [0, 1]],
});

/** Options of `fitLinear`. */
export interface FitOptions {
  /** Ridge added to the scaled normal equations, per sample; default 1e-10. */
  ridge?: number;
}

/** Fit quality on a set of layers (docs/planner.md, "Latency models"). */
export interface FitQuality {
  /** Share of layers predicted within +-10% of the measurement, 0..1 (NaN when n = 0). */
  within10: number;
  /** Median absolute percentage error, in percent (NaN when n = 0). */
  mape: number;
  /** Number of layers. */
  n: number;
}

/**
 * Least squares with an intercept: the `LinearModel` minimising the squared
 * error of `intercept + weights . xs[i]` against `ys[i]`.
 *
 * @example fitLinear([[0], [1], [2]], [1, 3, 5]); // { intercept: 1, weights: [2] } (to rounding)
 */
export function fitLinear(
  xs: readonly (readonly number[])[],
  ys: readonly number[],
  opts: FitOptions = {},
): LinearModel {
  const n = ys.length;
  if (xs.length !== n) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_FIT_INPUT',
      `fitLinear: ${xs.length} rows of variables but ${n} measurements`,
    );
  }
  if (n === 0) throw new PlannerError('EDGENT_ERR_BAD_FIT_INPUT', 'fitLinear: no samples');
  const d = xs[0]?.length ?? 0;
  const ridge = opts.ridge ?? 1e-10;
  if (!(ridge >= 0)) {
    throw new PlannerError('EDGENT_ERR_BAD_FIT_INPUT', `ridge must be >= 0, got ${ridge}`);
  }
  for (let i = 0; i < n; i++) {
    const row = xs[i] as readonly number[];
    if (row.length !== d) {
      throw new PlannerError(
        'EDGENT_ERR_BAD_FIT_INPUT',
        `fitLinear: row ${i} has ${row.length} variables, row 0 has ${d}`,
      );
    }
    if (!row.every(Number.isFinite) || !Number.isFinite(ys[i])) {
      throw new PlannerError('EDGENT_ERR_BAD_FIT_INPUT', `fitLinear: row ${i} is not finite`);
    }
  }

  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    const row = xs[i] as readonly number[];
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (row[j] as number) / n;
    yMean += (ys[i] as number) / n;
  }
  for (let i = 0; i < n; i++) {
    const row = xs[i] as readonly number[];
    for (let j = 0; j < d; j++) {
      const c = (row[j] as number) - (mean[j] as number);
      scale[j] = (scale[j] as number) + c * c;
    }
  }
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt((scale[j] as number) / n);
    // A column constant to rounding carries nothing the intercept does not.
    scale[j] = sd > 1e-12 * Math.max(1, Math.abs(mean[j] as number)) ? sd : 0;
  }

  // Normal equations of the scaled, centred columns: (Z'Z + ridge*n*I) w = Z'y.
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = xs[i] as readonly number[];
    for (let j = 0; j < d; j++) {
      const s = scale[j] as number;
      z[j] = s === 0 ? 0 : ((row[j] as number) - (mean[j] as number)) / s;
    }
    const y = (ys[i] as number) - yMean;
    for (let j = 0; j < d; j++) {
      const zj = z[j] as number;
      b[j] = (b[j] as number) + zj * y;
      for (let k = 0; k <= j; k++) a[j * d + k] = (a[j * d + k] as number) + zj * (z[k] as number);
    }
  }
  for (let j = 0; j < d; j++) {
    // A zero column gets a unit diagonal so its weight solves to 0.
    a[j * d + j] = (scale[j] === 0 ? 1 : (a[j * d + j] as number)) + ridge * n;
  }
  const w = choleskySolve(a, b, d);

  const weights: number[] = [];
  let intercept = yMean;
  for (let j = 0; j < d; j++) {
    const s = scale[j] as number;
    const wj = s === 0 ? 0 : (w[j] as number) / s;
    weights.push(wj);
    intercept -= wj * (mean[j] as number);
  }
  return { intercept, weights };
}

/** Solves `a x = b` for symmetric positive definite `a` (lower triangle used), d x d row-major. */
function choleskySolve(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let diag = a[j * d + j] as number;
    for (let k = 0; k < j; k++) diag -= (l[j * d + k] as number) ** 2;
    if (!(diag > 0)) {
      throw new PlannerError(
        'EDGENT_ERR_BAD_FIT_INPUT',
        'fitLinear: normal equations not positive definite; raise the ridge',
      );
    }
    const ljj = Math.sqrt(diag);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * d + k] as number) * (l[j * d + k] as number);
      l[i * d + j] = s / ljj;
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * d + k] as number) * (y[k] as number);
    y[i] = s / (l[i * d + i] as number);
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < d; k++) s -= (l[k * d + i] as number) * (x[k] as number);
    x[i] = s / (l[i * d + i] as number);
  }
  return x;
}

/** The regression variables of `features` under `terms` (each term a product of features). */
export function applyTerms(features: readonly number[], terms?: readonly number[][]): number[] {
  if (!terms) return [...features];
  return terms.map((term) => {
    let v = 1;
    for (const i of term) v *= features[i] ?? Number.NaN;
    return v;
  });
}

/** Evaluates a linear model on a layer's features, unclamped. */
export function evalLinear(model: LinearModel, features: readonly number[]): number {
  const x = applyTerms(features, model.terms);
  let y = model.intercept;
  for (let j = 0; j < model.weights.length; j++) y += (model.weights[j] as number) * (x[j] ?? 0);
  return y;
}

/**
 * Fits one regression per layer kind found in `samples`. `features` picks
 * each kind's variables (default: the paper's); a kind needs at least one
 * sample more than it has variables.
 */
export function fitLatencyModel(
  samples: readonly LatencySample[],
  meta: {
    backend: string;
    device: string;
    calibration?: number;
    features?: Readonly<FeatureSet>;
    ridge?: number;
  },
): LatencyModel {
  const byKind = new Map<LayerKind, LatencySample[]>();
  for (const s of samples) {
    const list = byKind.get(s.kind);
    if (list) list.push(s);
    else byKind.set(s.kind, [s]);
  }
  const kinds: Partial<Record<LayerKind, LinearModel>> = {};
  for (const [kind, list] of byKind) {
    const terms = meta.features?.[kind];
    const xs = list.map((s) => applyTerms(s.features, terms));
    const vars = xs[0]?.length ?? 0;
    if (list.length < vars + 1) {
      throw new PlannerError(
        'EDGENT_ERR_BAD_FIT_INPUT',
        `kind ${kind}: ${list.length} samples for ${vars} variables and an intercept; need at least ${vars + 1}`,
      );
    }
    const fit = fitLinear(
      xs,
      list.map((s) => s.ms),
      meta.ridge === undefined ? {} : { ridge: meta.ridge },
    );
    kinds[kind] = terms ? { ...fit, terms: terms.map((t) => [...t]) } : fit;
  }
  const model: LatencyModel = { backend: meta.backend, device: meta.device, kinds };
  if (meta.calibration !== undefined) model.calibration = meta.calibration;
  return model;
}

/**
 * Predicted milliseconds of one layer inside a call: its measured time when
 * the model has one for the layer's name (`layerMs`), else the kind's
 * regression, clamped at 0, times the calibrations. Throws
 * EDGENT_ERR_NO_LATENCY_MODEL for a kind the model lacks.
 */
export function predictLayerMs(
  model: LatencyModel,
  layer: { kind: LayerKind; features: readonly number[]; name?: string },
): number {
  const measured = layer.name === undefined ? undefined : model.layerMs?.[layer.name];
  if (measured !== undefined) return measured;
  const lin = model.kinds[layer.kind];
  if (!lin) {
    throw new PlannerError(
      'EDGENT_ERR_NO_LATENCY_MODEL',
      `latency model (${model.backend}, ${model.device}) has no regression for ${layer.kind}; it has ${Object.keys(model.kinds).join(', ') || 'none'}`,
    );
  }
  return (
    Math.max(0, evalLinear(lin, layer.features)) *
    (model.calibration ?? 1) *
    (model.kindCalibration?.[layer.kind] ?? 1)
  );
}

/**
 * Predicted milliseconds of one call running `layers` in order: the call's
 * fixed cost, every layer, and reading the last layer's output back. An
 * empty slice costs 0 (nothing is called).
 *
 * @example predictSliceMs(model, path.layers.slice(0, p)); // the device's share at partition p
 */
export function predictSliceMs(
  model: LatencyModel,
  layers: readonly {
    kind: LayerKind;
    features: readonly number[];
    name?: string;
    outputBytes: number;
  }[],
): number {
  const last = layers[layers.length - 1];
  if (!last) return 0;
  let ms = (model.callOverheadMs ?? 0) + (model.readbackMsPerByte ?? 0) * last.outputBytes;
  for (const l of layers) ms += predictLayerMs(model, l);
  return ms;
}

/**
 * Fit quality of predictions against measurements: share within +-10%
 * (inclusive) and median absolute percentage error. Measurements must be > 0.
 *
 * @example fitQuality([{ predicted: 105, measured: 100 }]); // { within10: 1, mape: 5, n: 1 }
 */
export function fitQuality(pairs: readonly { predicted: number; measured: number }[]): FitQuality {
  const errors = pairs.map(({ predicted, measured }, i) => {
    if (!(measured > 0)) {
      throw new PlannerError(
        'EDGENT_ERR_BAD_FIT_INPUT',
        `fitQuality: measurement ${i} is ${measured}; percentage errors need measurements > 0`,
      );
    }
    return Math.abs(predicted - measured) / measured;
  });
  const n = errors.length;
  if (n === 0) return { within10: Number.NaN, mape: Number.NaN, n: 0 };
  const within = errors.filter((e) => e <= 0.1 + 1e-12).length;
  errors.sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  const med =
    n % 2 ? (errors[mid] as number) : ((errors[mid - 1] as number) + (errors[mid] as number)) / 2;
  return { within10: within / n, mape: 100 * med, n };
}

/** Fit quality of `model` on `samples` (e.g. a held-out set), predicted as the planner predicts. */
export function evaluateLatencyModel(
  model: LatencyModel,
  samples: readonly LatencySample[],
): FitQuality {
  return fitQuality(samples.map((s) => ({ predicted: predictLayerMs(model, s), measured: s.ms })));
}

/**
 * `model` run `factor` times slower (or faster, below 1): every prediction
 * multiplied by `factor`. What a device slowed N times (device emulation)
 * would profile as.
 */
export function scaleLatency(model: LatencyModel, factor: number): LatencyModel {
  return {
    ...model,
    calibration: (model.calibration ?? 1) * factor,
    callOverheadMs: (model.callOverheadMs ?? 0) * factor,
    readbackMsPerByte: (model.readbackMsPerByte ?? 0) * factor,
    ...(model.layerMs
      ? {
          layerMs: Object.fromEntries(
            Object.entries(model.layerMs).map(([name, ms]) => [name, ms * factor]),
          ),
        }
      : {}),
  };
}
