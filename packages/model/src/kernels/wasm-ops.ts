import type {
  KernelBackend,
  KernelConfig,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { tf } from '../backend';

/**
 * Intermediate results of a composite wasm kernel. Each `run` calls one of
 * the wasm backend's own kernels directly (no engine, no tape, no profiler
 * entry) and remembers the result; `dispose` frees them all. The caller
 * returns its final result with `keep`, which is not freed.
 */
export class WasmScratch {
  private readonly owned: TensorInfo[] = [];

  constructor(private readonly backend: KernelBackend) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const config = tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
    if (config === undefined) {
      throw new Error(`wasm backend has no "${kernelName}" kernel, needed by a training kernel`);
    }
    const out = config.kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) {
      for (const info of out) this.backend.disposeData(info.dataId);
      throw new Error(`wasm kernel "${kernelName}" returned several tensors, expected one`);
    }
    this.owned.push(out);
    return out;
  }

  /** Removes `info` from the scratch so that `dispose` leaves it alive. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.owned.indexOf(info);
    if (i >= 0) this.owned.splice(i, 1);
    return info;
  }

  dispose(): void {
    for (const info of this.owned) this.backend.disposeData(info.dataId);
    this.owned.length = 0;
  }
}

/**
 * The stock wasm kernels that ours replaced, by kernel name. They live on
 * globalThis because tfjs's kernel registry does: a second copy of this
 * module (a test runner re-evaluating sources) must still find the original,
 * not ours.
 */
function stockKey(kernelName: string): symbol {
  return Symbol.for(`@edgent/model/stock-wasm-${kernelName}`);
}

type StockHolder = Record<symbol, KernelConfig | undefined>;

/** Records `config` as the stock wasm kernel of its name unless one is already recorded. */
export function rememberStockKernel(config: KernelConfig): void {
  const holder = globalThis as unknown as StockHolder;
  holder[stockKey(config.kernelName)] ??= config;
}

/** The stock wasm kernel `kernelName`, recorded when ours replaced it; else undefined. */
export function stockKernel(kernelName: string): KernelConfig | undefined {
  return (globalThis as unknown as StockHolder)[stockKey(kernelName)];
}

/** The input `name` of a kernel call; a missing one is a caller bug. */
export function kernelInput(
  inputs: NamedTensorInfoMap,
  kernelName: string,
  name: string,
): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${kernelName}: input "${name}" is missing`);
  return info;
}

/** One spatial axis of a padding that may be negative (a crop). */
export interface Span {
  before: number;
  after: number;
}

/** Explicit NHWC padding for Conv2D from the non-negative parts of two spans. */
export function explicitPad(
  rows: Span,
  cols: Span,
): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [Math.max(0, rows.before), Math.max(0, rows.after)],
    [Math.max(0, cols.before), Math.max(0, cols.after)],
    [0, 0],
  ];
}
