import { sha256 } from '@noble/hashes/sha2.js';
import type { CompositionSpec } from './data/compose';
import { EdgentError } from './errors';
import { type ModelSpec, validateSpec, weightShapes } from './spec';

/** One entry of a tfjs weights manifest. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** Per-exit accuracy measured on a named split. */
export interface ExitAccuracy {
  exit: number;
  name: string;
  accuracy: number;
  correct: number;
  count: number;
}

/**
 * `manifest.json` of a model folder: the architecture, the tfjs weights
 * manifest (`{name, shape, dtype}`, bytes concatenated in that order in
 * `weights.bin`), a hash the device and the edge compare, and what is known
 * of how it was trained and how well it does.
 */
export interface ModelManifest {
  format: 'edgent-model/1';
  id: string;
  /** `sha256:<hex>` over the canonical architecture JSON and the weight bytes. */
  hash: string;
  architecture: ModelSpec;
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  evaluation?: {
    dataset: string;
    split: string;
    count: number;
    /** How the test frames were composed, for a model of camera frames. */
    composition?: CompositionSpec;
    /** Sizes of the test frames as they cross at partition 0 (JPEG), for a model of camera frames. */
    frameBytes?: FrameBytes;
    backend: string;
    exits: ExitAccuracy[];
  };
  training?: Record<string, unknown>;
}

/** Bytes of a model's input frames as encoded to cross the link (over its test set). */
export interface FrameBytes {
  codec: 'jpeg';
  /** 1..100 */
  quality: number;
  median: number;
  p10: number;
  p90: number;
  count: number;
}

export const WEIGHTS_FILE = 'weights.bin';
export const MANIFEST_FILE = 'manifest.json';

function toHex(buf: Uint8Array): string {
  return [...buf].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * `sha256:<hex>` of the architecture and the weights; the model's identity.
 * Pure JavaScript (@noble/hashes): `crypto.subtle` exists only in secure
 * contexts, and a phone opening the edge over plain HTTP on the LAN has none.
 */
export async function modelHash(spec: ModelSpec, bytes: Uint8Array): Promise<string> {
  const arch = new TextEncoder().encode(JSON.stringify(spec));
  const all = new Uint8Array(arch.length + bytes.length);
  all.set(arch, 0);
  all.set(bytes, arch.length);
  return `sha256:${toHex(sha256(all))}`;
}

/** Concatenates weights in manifest order into one buffer and builds the manifest. */
export async function encodeWeights(
  spec: ModelSpec,
  values: ReadonlyMap<string, Float32Array>,
): Promise<{ manifest: ModelManifest; bytes: Uint8Array }> {
  const entries = weightShapes(spec).map(({ name, shape }) => ({
    name,
    shape,
    dtype: 'float32' as const,
  }));
  const total = entries.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const e of entries) {
    const v = values.get(e.name);
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (!v || v.length !== n) {
      throw new EdgentError(
        'EDGENT_ERR_BAD_WEIGHTS',
        `weight "${e.name}" missing or not ${n} values`,
      );
    }
    flat.set(v, offset);
    offset += n;
  }
  const bytes = new Uint8Array(flat.buffer);
  const manifest: ModelManifest = {
    format: 'edgent-model/1',
    id: spec.id,
    hash: await modelHash(spec, bytes),
    architecture: spec,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: entries }],
  };
  return { manifest, bytes };
}

/**
 * Checks a manifest against its weight bytes (shape, size, hash) and splits
 * the bytes into named arrays. `source` names where they came from, for errors.
 */
export async function decodeWeights(
  manifest: ModelManifest,
  bytes: Uint8Array,
  source: string,
): Promise<Map<string, Float32Array>> {
  const bad = (what: string) => new EdgentError('EDGENT_ERR_BAD_WEIGHTS', `${source}: ${what}`);
  if (manifest?.format !== 'edgent-model/1') {
    throw bad(`format is ${JSON.stringify(manifest?.format)}, expected "edgent-model/1"`);
  }
  try {
    validateSpec(manifest.architecture);
  } catch (e) {
    throw bad(`architecture invalid: ${(e as Error).message}`);
  }
  const entries = manifest.weightsManifest.flatMap((g) => g.weights);
  const expected = weightShapes(manifest.architecture);
  if (
    entries.length !== expected.length ||
    entries.some(
      (e, i) =>
        e.name !== expected[i]?.name ||
        e.dtype !== 'float32' ||
        e.shape.join() !== expected[i]?.shape.join(),
    )
  ) {
    throw bad('weights manifest does not match the architecture (names, shapes or dtypes differ)');
  }
  const total = entries.reduce((n, e) => n + 4 * e.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== total)
    throw bad(`weights are ${bytes.length} bytes, the manifest needs ${total}`);
  const hash = await modelHash(manifest.architecture, bytes);
  if (hash !== manifest.hash) {
    throw new EdgentError(
      'EDGENT_ERR_HASH_MISMATCH',
      `${source}: weights hash ${hash} differs from the manifest's ${manifest.hash}`,
    );
  }
  const aligned = new Float32Array(bytes.slice().buffer);
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const e of entries) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    out.set(e.name, aligned.subarray(offset, offset + n));
    offset += n;
  }
  return out;
}

/** Loads a model folder's manifest and weights from a base URL (browser or Node fetch). */
export async function fetchModel(
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
): Promise<{ manifest: ModelManifest; weights: Map<string, Float32Array> }> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const get = async (file: string) => {
    const res = await fetchFn(new URL(file, base).toString());
    if (!res.ok)
      throw new EdgentError('EDGENT_ERR_BAD_WEIGHTS', `GET ${base}${file}: HTTP ${res.status}`);
    return res;
  };
  const manifest = (await (await get(MANIFEST_FILE)).json()) as ModelManifest;
  const path = manifest.weightsManifest?.[0]?.paths?.[0] ?? WEIGHTS_FILE;
  const bytes = new Uint8Array(await (await get(path)).arrayBuffer());
  return { manifest, weights: await decodeWeights(manifest, bytes, `${base}${path}`) };
}
