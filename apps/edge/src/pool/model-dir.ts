import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EdgentError, MANIFEST_FILE, type ModelManifest, readModelDir } from '@edgent/model/node';
import { EdgeError } from '../errors.js';
import { toEdgeError } from './codes.js';

/**
 * Reads and checks a model folder (manifest, weights, hash) before any worker starts, so a bad
 * folder fails fast with one clear error: EDGENT_ERR_NO_MODEL when there is no manifest,
 * otherwise the model package's code (EDGENT_ERR_BAD_WEIGHTS, EDGENT_ERR_HASH_MISMATCH).
 */
export async function loadModelDir(
  dir: string,
): Promise<{ manifest: ModelManifest; weights: Map<string, Float32Array> }> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new EdgeError(
      'EDGENT_ERR_NO_MODEL',
      `no model manifest at ${manifestPath}; train or copy a model into ${dir}`,
    );
  }
  try {
    return await readModelDir(dir);
  } catch (error) {
    if (error instanceof EdgentError) throw toEdgeError(error.code, error.message);
    throw error;
  }
}
