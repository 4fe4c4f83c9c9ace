import wasmPackage from '@tensorflow/tfjs-backend-wasm/package.json' with { type: 'json' };
import * as tf from '@tensorflow/tfjs-core';
import type { Capabilities } from './capabilities';

/**
 * Choosing and starting the tfjs backend. Backends load lazily (each is its
 * own chunk), so the page downloads only the one it runs.
 */

/** The tfjs backends the page can run on. */
export type BackendName = 'wasm' | 'webgpu' | 'webgl' | 'cpu';

/**
 * Preference order. For this model (28x28 inputs, 28 MFLOPs on the longest
 * path, microsecond-sized layers) the fixed cost of each GPU dispatch and
 * read-back outweighs the arithmetic, so WASM (SIMD, threads when
 * cross-origin isolated) answers fastest on the machines measured; WebGPU
 * before WebGL, and the plain JavaScript cpu backend last.
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export const BACKEND_PRIORITY: readonly BackendName[] = Object.freeze([
  'wasm',
  'webgpu',
  'webgl',
  'cpu',
]);

/**
 * Where the build copies tfjs-backend-wasm's .wasm files (vite.config.ts): a folder named for
 * the package's version, which the edge serves as immutable.
 */
const WASM_PATH = `${import.meta.env?.BASE_URL ?? '/'}tfjs-wasm/${wasmPackage.version}/`;

/** The backends this runtime can start, in priority order. */
export function availableBackends(caps: Capabilities): BackendName[] {
  const can: Record<BackendName, boolean> = {
    wasm: caps.wasm,
    webgpu: caps.webgpu,
    webgl: caps.webglVersion > 0,
    cpu: true,
  };
  return BACKEND_PRIORITY.filter((b) => can[b]);
}

/** `preferred` first (when available), then the rest by priority. */
export function backendOrder(caps: Capabilities, preferred?: BackendName): BackendName[] {
  const all = availableBackends(caps);
  return preferred && all.includes(preferred)
    ? [preferred, ...all.filter((b) => b !== preferred)]
    : all;
}

/** A backend that failed to start, and why. */
export interface Fallback {
  backend: BackendName;
  reason: string;
}

/**
 * Starts the first backend of `order` that works, logging each fallback
 * (console.info) and returning them so the page can show them.
 */
export async function pickBackend(
  order: readonly BackendName[],
  start: (name: BackendName) => Promise<void> = startBackend,
  log: (message: string) => void = (m) => console.info(m),
): Promise<{ backend: BackendName; fallbacks: Fallback[] }> {
  const fallbacks: Fallback[] = [];
  for (const [i, backend] of order.entries()) {
    try {
      await start(backend);
      return { backend, fallbacks };
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      fallbacks.push({ backend, reason });
      const next = order[i + 1];
      log(
        `Edgent: tfjs backend ${backend} failed (${reason})${next ? `; falling back to ${next}` : ''}`,
      );
    }
  }
  throw new Error(
    `no tfjs backend could start: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`,
  );
}

const loaders: Record<BackendName, () => Promise<void>> = {
  wasm: async () => {
    const [wasm, threads] = await Promise.all([
      import('@tensorflow/tfjs-backend-wasm'),
      import('./wasm-threads'),
    ]);
    threads.patchThreadedFactory();
    wasm.setWasmPaths(WASM_PATH);
  },
  webgpu: async () => {
    await import('@tensorflow/tfjs-backend-webgpu');
  },
  webgl: async () => {
    await import('@tensorflow/tfjs-backend-webgl');
  },
  cpu: async () => {
    await import('@tensorflow/tfjs-backend-cpu');
  },
};

/** Loads `name`'s module, makes it tfjs's active backend and waits until it is ready. */
export async function startBackend(name: BackendName): Promise<void> {
  await loaders[name]();
  tf.env().set('PROD', true);
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  // A backend that "starts" but cannot compute is no use: run one tiny op.
  const probe = tf.add(tf.scalar(1), tf.scalar(2));
  try {
    const [v] = await probe.data();
    if (v !== 3) throw new Error(`1 + 2 gave ${v} on ${name}`);
  } finally {
    probe.dispose();
  }
}

/** What tfjs-backend-wasm runs with (its own detection), when it is the active backend. */
export async function wasmFlags(): Promise<{ simd: boolean; threads: boolean }> {
  const flag = async (name: string) =>
    Boolean(
      await tf
        .env()
        .getAsync(name)
        .catch(() => false),
    );
  return {
    simd: await flag('WASM_HAS_SIMD_SUPPORT'),
    threads: await flag('WASM_HAS_MULTITHREAD_SUPPORT'),
  };
}
