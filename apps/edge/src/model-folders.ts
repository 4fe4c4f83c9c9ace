// The edge reads each model folder once, at start: its manifest and weights, checked. The catalog
// (/api/models), the profile stores and the inference pool all take what was read here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EdgentError, MANIFEST_FILE, type ModelManifest, readModelDir } from '@edgent/model/node';
import { EdgeError } from './errors.js';
import { toEdgeError } from './pool/codes.js';

/** A model folder read and checked: its manifest, and weights matching its hash. */
export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  weights: Map<string, Float32Array>;
}

/** One served folder: the model in it, or why there is none. */
export type ModelFolder =
  | { dir: string; id: string; model: LoadedModel; error?: undefined }
  | { dir: string; id: undefined; model?: undefined; error: EdgeError };

/**
 * Reads and checks a model folder. Throws an EdgeError: EDGENT_ERR_NO_MODEL when there is no
 * manifest, otherwise the model package's code (EDGENT_ERR_BAD_MANIFEST, EDGENT_ERR_BAD_WEIGHTS,
 * EDGENT_ERR_HASH_MISMATCH).
 */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new EdgeError(
      'EDGENT_ERR_NO_MODEL',
      `no model manifest at ${manifestPath}; train or copy a model into ${dir}`,
    );
  }
  try {
    return { dir, ...(await readModelDir(dir)) };
  } catch (error) {
    if (error instanceof EdgentError) throw toEdgeError(error.code, error.message);
    throw error;
  }
}

/** Reads every folder once (in parallel), keeping each one's failure beside the others' models. */
export async function readModelFolders(dirs: readonly string[]): Promise<ModelFolder[]> {
  return Promise.all(
    dirs.map(async (dir): Promise<ModelFolder> => {
      try {
        const model = await loadModelDir(dir);
        return { dir, id: model.manifest.id, model };
      } catch (error) {
        if (!(error instanceof EdgeError)) throw error;
        return { dir, id: undefined, error };
      }
    }),
  );
}
