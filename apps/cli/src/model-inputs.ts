/**
 * What the planning commands (plan, experiment) read: a model's manifest with
 * per-exit accuracy, its exit paths as the planner sees them, and latency
 * profiles checked against the model. Problems are usage errors naming the file.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type DeviceProfile,
  describeModel,
  type ModelManifest,
  parseManifest,
  parseProfile,
} from '@edgent/model';
import type { PlannerPath } from '@edgent/planner';
import { UsageError } from './commands/train';
import { defaultModelDir, repoRoot } from './paths';

/** The manifest of the model in `modelDir`; it must record per-exit accuracy. */
export async function readManifest(modelDir: string): Promise<ModelManifest> {
  const file = join(resolve(modelDir), 'manifest.json');
  let manifest: ModelManifest;
  try {
    manifest = parseManifest(JSON.parse(await readText(file)), file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      e instanceof SyntaxError ? `${file} is not valid JSON: ${e.message}` : (e as Error).message,
    );
  }
  if (!manifest.evaluation?.exits) {
    throw new UsageError(
      `${modelDir}: the manifest records no per-exit accuracy; run edgent eval --write`,
    );
  }
  return manifest;
}

/** The model's exit paths with their accuracies. */
export function plannerPaths(manifest: ModelManifest): PlannerPath[] {
  const accuracy = manifest.evaluation?.exits.map((e) => e.accuracy) ?? [];
  // A model of colour frames sends them as JPEG at partition 0: plan with the median frame's.
  const frame = manifest.evaluation?.frameBytes?.median;
  return describeModel(manifest.architecture).map((p) => ({
    ...p,
    ...(frame === undefined ? {} : { rawInputBytes: frame }),
    accuracy: accuracy[p.exit] ?? 0,
  }));
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** A latency profile made by `edgent profile` for `manifest`'s model; a usage error otherwise. */
export async function readProfile(
  file: string,
  flag: string,
  manifest: ModelManifest,
): Promise<DeviceProfile> {
  let json: unknown;
  try {
    json = JSON.parse(await readText(file));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${flag} ${file} is not valid JSON: ${(e as Error).message}`);
  }
  let p: DeviceProfile;
  try {
    p = parseProfile(json, `${flag} ${file}`);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; make one with edgent profile`);
  }
  // The layer times in a profile belong to one architecture.
  if (p.model?.id !== manifest.architecture.id) {
    throw new UsageError(
      `${flag} ${file} profiles model ${JSON.stringify(p.model?.id)}, but the model is ${JSON.stringify(manifest.architecture.id)}; profile it with edgent profile --model-dir`,
    );
  }
  return p;
}

/** The model folder and profiles from --model / --model-dir and the profile flags. */
export function modelFiles(flags: {
  model?: string;
  modelDir?: string;
  deviceProfile?: string;
  edgeProfile?: string;
}): { modelDir: string; deviceProfile: string; edgeProfile: string } {
  if (flags.model !== undefined && flags.modelDir !== undefined) {
    throw new UsageError('give --model ID or --model-dir DIR, not both');
  }
  if (flags.model !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(flags.model)) {
    throw new UsageError(`--model ${flags.model}: a model id is a folder name under models/`);
  }
  const modelDir =
    flags.modelDir ?? (flags.model ? join(repoRoot, 'models', flags.model) : defaultModelDir);
  return {
    modelDir,
    deviceProfile: flags.deviceProfile ?? join(modelDir, 'profiles', 'device.json'),
    edgeProfile: flags.edgeProfile ?? join(modelDir, 'profiles', 'edge.json'),
  };
}
