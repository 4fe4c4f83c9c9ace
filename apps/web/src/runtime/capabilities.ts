/**
 * What this browser can run tfjs on, detected once into a frozen record.
 */

/** The runtime's abilities, as detected at start. */
export interface Capabilities {
  /** navigator.gpu gave an adapter. */
  webgpu: boolean;
  /** WebAssembly is there. */
  wasm: boolean;
  /** WASM SIMD validates. */
  wasmSimd: boolean;
  /** WASM threads can run: the page is cross-origin isolated and has SharedArrayBuffer. */
  wasmThreads: boolean;
  crossOriginIsolated: boolean;
  /** 0 when no WebGL context could be made. */
  webglVersion: 0 | 1 | 2;
  /** Logical cores the browser reports. */
  cores: number;
}

/** The smallest module with a SIMD instruction (i8x16.splat of i32.const 0, then drop). */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

/** The parts of the global scope detection reads; the real one in the page, fakes in tests. */
export interface RuntimeScope {
  WebAssembly?: { validate(bytes: Uint8Array): boolean };
  SharedArrayBuffer?: unknown;
  crossOriginIsolated?: boolean;
  navigator?: {
    hardwareConcurrency?: number;
    gpu?: { requestAdapter(): Promise<unknown> };
  };
  document?: { createElement(tag: 'canvas'): { getContext(id: string): unknown } };
}

/** Probes the runtime once; never throws (a failed probe reads as "not available"). */
export async function detectCapabilities(
  scope: RuntimeScope = globalThis as RuntimeScope,
): Promise<Readonly<Capabilities>> {
  const wasm = typeof scope.WebAssembly?.validate === 'function';
  const isolated = scope.crossOriginIsolated === true;
  return Object.freeze({
    webgpu: await hasWebGpu(scope),
    wasm,
    wasmSimd: wasm && safe(() => scope.WebAssembly?.validate(SIMD_PROBE) === true),
    wasmThreads: wasm && isolated && typeof scope.SharedArrayBuffer === 'function',
    crossOriginIsolated: isolated,
    webglVersion: webglVersion(scope),
    cores: scope.navigator?.hardwareConcurrency ?? 1,
  });
}

async function hasWebGpu(scope: RuntimeScope): Promise<boolean> {
  const gpu = scope.navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

function webglVersion(scope: RuntimeScope): 0 | 1 | 2 {
  const doc = scope.document;
  if (!doc) return 0;
  if (safe(() => doc.createElement('canvas').getContext('webgl2') != null)) return 2;
  if (safe(() => doc.createElement('canvas').getContext('webgl') != null)) return 1;
  return 0;
}

function safe(probe: () => boolean): boolean {
  try {
    return probe();
  } catch {
    return false;
  }
}

/** One line for the page, e.g. "WASM (SIMD, threads) · WebGL 2 · no WebGPU · 2 cores". */
export function describeCapabilities(c: Capabilities): string {
  const wasmBits = [c.wasmSimd ? 'SIMD' : 'no SIMD', c.wasmThreads ? 'threads' : 'no threads'];
  return [
    c.wasm ? `WASM (${wasmBits.join(', ')})` : 'no WASM',
    c.webglVersion ? `WebGL ${c.webglVersion}` : 'no WebGL',
    c.webgpu ? 'WebGPU' : 'no WebGPU',
    `${c.cores} core${c.cores === 1 ? '' : 's'}`,
  ].join(' · ');
}
