/**
 * The multi-exit model as plain data (docs/planner.md, "The algorithm").
 *
 * A model is a trunk of layers and a list of exits. Exit `e` branches after
 * the first `after` trunk layers and adds its own `branch` layers; its path is
 * `trunk[0 .. after) + branch`. The last exit takes the whole trunk and has no
 * branch. Partition `p` of a path means "the device runs its first p layers".
 *
 * Nothing here needs tfjs: the planner reads these records.
 */

/** Layer types the latency regressions know (docs/planner.md, "Latency models"). */
export type LayerKind = 'conv2d' | 'relu' | 'maxpool' | 'lrn' | 'dropout' | 'dense';

export type Padding = 'same' | 'valid';

export interface Conv2dSpec {
  kind: 'conv2d';
  name: string;
  filters: number;
  kernel: number;
  stride: number;
  padding: Padding;
  /** A split-friendly bottleneck: a narrow layer placed so that a cut after it sends little. */
  bottleneck?: boolean;
  /**
   * Trained with batch normalisation after the convolution (a `gamma` per filter; the bias is
   * the shift). Only a training spec has it: `foldBatchNorm` folds it into the kernel and bias
   * with the population statistics, so a shipped model never runs it.
   */
  batchNorm?: boolean;
}
export interface ReluSpec {
  kind: 'relu';
  name: string;
}
export interface MaxPoolSpec {
  kind: 'maxpool';
  name: string;
  size: number;
  stride: number;
  padding: Padding;
}
export interface LrnSpec {
  kind: 'lrn';
  name: string;
  radius: number;
  bias: number;
  alpha: number;
  beta: number;
}
export interface DropoutSpec {
  kind: 'dropout';
  name: string;
  rate: number;
}
/** Fully connected; flattens a rank-3 input first. */
export interface DenseSpec {
  kind: 'dense';
  name: string;
  units: number;
}

export type LayerSpec = Conv2dSpec | ReluSpec | MaxPoolSpec | LrnSpec | DropoutSpec | DenseSpec;

export interface ExitSpec {
  name: string;
  /** Number of trunk layers before the branch. */
  after: number;
  branch: LayerSpec[];
}

export interface ModelSpec {
  id: string;
  /** Input shape without batch: [height, width, channels]. */
  input: [number, number, number];
  classes: number;
  trunk: LayerSpec[];
  exits: ExitSpec[];
}

/** Shape of one example: [h, w, c] for feature maps, [n] for vectors. */
export type Shape = readonly number[];

/** What the planner needs to know of one layer on one exit path. */
export interface LayerRecord {
  /** Position on the exit path; partition p = index means this layer runs on the edge. */
  index: number;
  name: string;
  kind: LayerKind;
  inputShape: Shape;
  outputShape: Shape;
  /** float32 bytes of one example's output. */
  outputBytes: number;
  params: number;
  /** Multiply-adds counted as two FLOPs. */
  flops: number;
  /** The regression variables of this layer's kind (docs/planner.md, "Latency models"). */
  features: number[];
  /** True for a bottleneck layer (a cut after it, or after its activation, sends little). */
  bottleneck: boolean;
}

/** The seams of one exit path, as data. */
export interface ExitPath {
  exit: number;
  name: string;
  /** Index into the trunk where the branch starts (= `after`). */
  branchAt: number;
  layers: LayerRecord[];
  /** float32 bytes of the model input. */
  inputBytes: number;
  /** Bytes of the raw input image (one uint8 per value), what partition 0 sends. */
  rawInputBytes: number;
}

/** Names of the regression variables per layer kind, in `features` order. */
export const FEATURE_NAMES: Readonly<Record<LayerKind, readonly string[]>> = Object.freeze({
  conv2d: ['inputSize', 'kernelOverStrideSquaredTimesFilters'],
  relu: ['inputSize'],
  maxpool: ['inputSize', 'outputSize'],
  lrn: ['inputSize'],
  dropout: ['inputSize'],
  dense: ['inputSize', 'outputSize'],
});

const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

function pooledLength(n: number, window: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - window) / stride) + 1;
}

/** Output shape of `layer` for one example of shape `input`; throws on a shape it cannot take. */
export function outputShapeOf(layer: LayerSpec, input: Shape): Shape {
  switch (layer.kind) {
    case 'conv2d':
    case 'maxpool': {
      const [h, w, c] = expectRank3(layer, input);
      const window = layer.kind === 'conv2d' ? layer.kernel : layer.size;
      const oh = pooledLength(h, window, layer.stride, layer.padding);
      const ow = pooledLength(w, window, layer.stride, layer.padding);
      if (oh < 1 || ow < 1) {
        throw new Error(`layer ${layer.name}: window ${window} does not fit input ${h}x${w}`);
      }
      return [oh, ow, layer.kind === 'conv2d' ? layer.filters : c];
    }
    case 'lrn':
      expectRank3(layer, input);
      return input;
    case 'relu':
    case 'dropout':
      return input;
    case 'dense':
      return [layer.units];
  }
}

function expectRank3(layer: LayerSpec, input: Shape): [number, number, number] {
  const [h, w, c] = input;
  if (input.length !== 3 || h === undefined || w === undefined || c === undefined) {
    throw new Error(`layer ${layer.name} (${layer.kind}) needs an [h, w, c] input, got [${input}]`);
  }
  return [h, w, c];
}

/** Weight tensors a layer owns, with shapes, in manifest order. */
export function weightShapesOf(
  layer: LayerSpec,
  input: Shape,
): { name: string; shape: number[] }[] {
  if (layer.kind === 'conv2d') {
    const cin = input[2] ?? 0;
    return [
      { name: `${layer.name}/kernel`, shape: [layer.kernel, layer.kernel, cin, layer.filters] },
      { name: `${layer.name}/bias`, shape: [layer.filters] },
      ...(layer.batchNorm ? [{ name: `${layer.name}/gamma`, shape: [layer.filters] }] : []),
    ];
  }
  if (layer.kind === 'dense') {
    return [
      { name: `${layer.name}/kernel`, shape: [size(input), layer.units] },
      { name: `${layer.name}/bias`, shape: [layer.units] },
    ];
  }
  return [];
}

function recordOf(layer: LayerSpec, index: number, inputShape: Shape): LayerRecord {
  const outputShape = outputShapeOf(layer, inputShape);
  const inSize = size(inputShape);
  const outSize = size(outputShape);
  const params = weightShapesOf(layer, inputShape).reduce((n, w) => n + size(w.shape), 0);
  let flops: number;
  let features: number[];
  switch (layer.kind) {
    case 'conv2d': {
      const cin = inputShape[2] ?? 0;
      flops = 2 * outSize * layer.kernel * layer.kernel * cin;
      features = [inSize, (layer.kernel / layer.stride) ** 2 * layer.filters];
      break;
    }
    case 'dense':
      flops = 2 * inSize * layer.units;
      features = [inSize, outSize];
      break;
    case 'maxpool':
      flops = outSize * layer.size * layer.size;
      features = [inSize, outSize];
      break;
    case 'lrn':
      flops = inSize * (2 * layer.radius + 1 + 4);
      features = [inSize];
      break;
    case 'relu':
    case 'dropout':
      flops = inSize;
      features = [inSize];
      break;
  }
  return {
    index,
    name: layer.name,
    kind: layer.kind,
    inputShape,
    outputShape,
    outputBytes: 4 * outSize,
    params,
    flops,
    features,
    bottleneck: layer.kind === 'conv2d' && layer.bottleneck === true,
  };
}

/** The layer specs on exit `exit`'s path, in order. */
export function pathLayers(spec: ModelSpec, exit: number): LayerSpec[] {
  const e = spec.exits[exit];
  if (!e) {
    throw new RangeError(
      `exit ${exit} out of range: the model has exits 0..${spec.exits.length - 1}`,
    );
  }
  return [...spec.trunk.slice(0, e.after), ...e.branch];
}

/** Records for every layer of exit `exit`'s path. */
export function describePath(spec: ModelSpec, exit: number): ExitPath {
  const layers = pathLayers(spec, exit);
  const records: LayerRecord[] = [];
  let shape: Shape = spec.input;
  layers.forEach((layer, index) => {
    const r = recordOf(layer, index, shape);
    records.push(r);
    shape = r.outputShape;
  });
  const e = spec.exits[exit] as ExitSpec;
  return {
    exit,
    name: e.name,
    branchAt: e.after,
    layers: records,
    inputBytes: 4 * size(spec.input),
    rawInputBytes: size(spec.input),
  };
}

/** Records for every exit path of the model. */
export function describeModel(spec: ModelSpec): ExitPath[] {
  return spec.exits.map((_, e) => describePath(spec, e));
}

/** All weight tensors of the model, each once, in a fixed order (trunk, then branches). */
export function weightShapes(spec: ModelSpec): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  let shape: Shape = spec.input;
  const trunkInputs: Shape[] = [];
  for (const layer of spec.trunk) {
    trunkInputs.push(shape);
    out.push(...weightShapesOf(layer, shape));
    shape = outputShapeOf(layer, shape);
  }
  trunkInputs.push(shape);
  for (const e of spec.exits) {
    let s = trunkInputs[e.after] as Shape;
    for (const layer of e.branch) {
      out.push(...weightShapesOf(layer, s));
      s = outputShapeOf(layer, s);
    }
  }
  return out;
}

/**
 * Checks a spec is well formed: unique layer names, exits ordered by depth,
 * the last exit is the whole trunk, every path ends in `classes` outputs.
 * Throws an Error naming the problem.
 */
export function validateSpec(spec: ModelSpec): void {
  const names = new Set<string>();
  const all = [...spec.trunk, ...spec.exits.flatMap((e) => e.branch)];
  for (const l of all) {
    if (names.has(l.name))
      throw new Error(`model ${spec.id}: layer name "${l.name}" is used twice`);
    names.add(l.name);
  }
  if (spec.exits.length === 0) throw new Error(`model ${spec.id}: no exits`);
  let prev = -1;
  spec.exits.forEach((e, i) => {
    if (!Number.isInteger(e.after) || e.after < 0 || e.after > spec.trunk.length) {
      throw new Error(
        `model ${spec.id}: exit ${i} branches after ${e.after}, allowed 0..${spec.trunk.length}`,
      );
    }
    if (e.after < prev) throw new Error(`model ${spec.id}: exits must be ordered by depth`);
    prev = e.after;
  });
  const last = spec.exits[spec.exits.length - 1] as ExitSpec;
  if (last.after !== spec.trunk.length || last.branch.length !== 0) {
    throw new Error(`model ${spec.id}: the last exit must be the whole trunk with no branch`);
  }
  for (let e = 0; e < spec.exits.length; e++) {
    const path = describePath(spec, e);
    const out = path.layers[path.layers.length - 1]?.outputShape;
    if (out?.length !== 1 || out[0] !== spec.classes) {
      throw new Error(`model ${spec.id}: exit ${e} ends in [${out}], expected [${spec.classes}]`);
    }
  }
}
