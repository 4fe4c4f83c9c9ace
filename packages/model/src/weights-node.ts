import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EdgentError } from './errors';
import { parseManifest } from './schemas';
import { decodeWeights, MANIFEST_FILE, type ModelManifest, WEIGHTS_FILE } from './weights';

/**
 * Reads and checks `<dir>/manifest.json` and its weights file. Throws EDGENT_ERR_BAD_MANIFEST for a
 * manifest that is not JSON or not a manifest, EDGENT_ERR_BAD_WEIGHTS for a missing file or
 * weights that do not fit, EDGENT_ERR_HASH_MISMATCH for changed bytes.
 */
export async function readModelDir(
  dir: string,
): Promise<{ manifest: ModelManifest; weights: Map<string, Float32Array> }> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (e) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_WEIGHTS',
      `cannot read model manifest ${manifestPath}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_MANIFEST',
      `model manifest ${manifestPath} is not valid JSON: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const manifest: ModelManifest = parseManifest(json, `model manifest ${manifestPath}`);
  const weightsPath = join(dir, manifest.weightsManifest[0]?.paths[0] ?? WEIGHTS_FILE);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(weightsPath));
  } catch (e) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_WEIGHTS',
      `cannot read weights ${weightsPath}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return { manifest, weights: await decodeWeights(manifest, bytes, weightsPath) };
}

/** Writes a manifest and weight bytes into `dir`, each atomically (temp file, then rename). */
export async function writeModelDir(
  dir: string,
  manifest: ModelManifest,
  bytes?: Uint8Array,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const put = async (name: string, data: string | Uint8Array) => {
    const tmp = join(dir, `.${name}.tmp`);
    await writeFile(tmp, data);
    await rename(tmp, join(dir, name));
  };
  if (bytes) await put(manifest.weightsManifest[0]?.paths[0] ?? WEIGHTS_FILE, bytes);
  await put(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
}
