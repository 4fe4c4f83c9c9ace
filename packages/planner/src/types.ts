/**
 * The plain records the planner works on. It needs no tfjs: a model's exit
 * paths arrive as data (packages/model's `describeModel` output fits these
 * shapes), latency models as fitted coefficients.
 */

/** Layer types with a latency regression (docs/planner.md, "Latency models"). */
export type LayerKind = 'conv2d' | 'relu' | 'maxpool' | 'lrn' | 'dropout' | 'dense';

/** One layer of an exit path, as the planner sees it. */
export interface PlannerLayer {
  index: number;
  name: string;
  kind: LayerKind;
  /** The regression variables of the layer's kind, in `FEATURE_NAMES` order of packages/model. */
  features: readonly number[];
  /** float32 bytes of one example's output (4 per element), as `describeModel` gives it. */
  outputBytes: number;
}

/** One exit path: its layers, the bytes of the raw input sent at partition 0, and its accuracy. */
export interface PlannerPath {
  exit: number;
  layers: readonly PlannerLayer[];
  /** float32 bytes of the model input (for reference). */
  inputBytes: number;
  /** Bytes of the raw input as sent at partition 0 (e.g. 784 for a 28x28 uint8 image). */
  rawInputBytes: number;
  /** Measured accuracy of this exit, 0..1. */
  accuracy: number;
}

/** How tensors cross the link. */
export type Encoding = 'float32' | 'float16' | 'int8';

/**
 * A linear model `intercept + weights . terms(features)` (milliseconds).
 * Without `terms` the variables are the layer's features as they are.
 */
export interface LinearModel {
  intercept: number;
  weights: number[];
  /**
   * The model's variables as products of features: `[[0], [1], [0, 1]]` means
   * f0, f1 and f0 * f1. One weight per term. Absent: one term per feature.
   */
  terms?: number[][];
}

/**
 * One side's latency model. A slice of layers `[a, b)` run as one call is
 * predicted as `callOverheadMs + sum of layer predictions +
 * readbackMsPerByte * outputBytes of layer b - 1` (`predictSliceMs`): layers
 * are fitted net of the call's fixed cost and of reading their output back,
 * which a chain of layers pays once, not per layer.
 */
export interface LatencyModel {
  /** e.g. 'wasm', 'webgpu'. */
  backend: string;
  /** Free text naming the device. */
  device: string;
  kinds: Partial<Record<LayerKind, LinearModel>>;
  /** Multiplies every regression prediction (measured on the real model at start-up); 1 when absent. */
  calibration?: number;
  /** Per layer kind, multiplies that kind's regression predictions (measured on the real model); 1 when absent. */
  kindCalibration?: Partial<Record<LayerKind, number>>;
  /**
   * Per layer name, milliseconds measured on the real model at start-up; a
   * layer named here is predicted by this value instead of its regression.
   */
  layerMs?: Readonly<Record<string, number>>;
  /** Fixed milliseconds of one call that runs any layers (dispatch, tidy); 0 when absent. */
  callOverheadMs?: number;
  /** Milliseconds per byte of reading a call's output back (e.g. GPU to CPU, WASM heap to JS); 0 when absent. */
  readbackMsPerByte?: number;
}

/** Predicted milliseconds of one plan, by part. */
export interface Breakdown {
  device: number;
  upload: number;
  edge: number;
  download: number;
  total: number;
}

/** The planner's answer. */
export interface Plan {
  exit: number;
  /** The device runs layers [0, partition) of the exit's path; the edge runs the rest. */
  partition: number;
  predicted: Breakdown;
  accuracy: number;
  /** Bytes sent to the edge (0 when the device runs everything). */
  bytesUp: number;
  /** Bytes returned (0 when the device runs everything). */
  bytesDown: number;
  /** Whether `predicted.total` meets the deadline. */
  feasible: boolean;
}
