import { z } from 'zod';
import type { DeviceProfile } from './device-profile';
import { EdgentError } from './errors';
import { validateSpec } from './spec';
import type { ModelManifest } from './weights';

/**
 * The JSON documents the project reads from files and the network, checked
 * at every boundary by one schema each: a model's manifest.json and a
 * latency profile (`edgent profile`'s output, the edge's GET /api/profile,
 * the page's cached profile). The schemas check what the readers use; the
 * rest of a document (a profile's samples and reports, a manifest's training
 * record) is kept as it came.
 */

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const linearModel = z.object({
  intercept: finite,
  weights: z.array(finite),
  terms: z.array(z.array(z.number().int().nonnegative())).optional(),
});

/** A side's latency model (`LatencyModel` of @edgent/planner). */
export const latencyModelSchema = z.looseObject({
  backend: z.string(),
  device: z.string(),
  kinds: z.record(z.string(), linearModel),
  calibration: finite.optional(),
  kindCalibration: z.record(z.string(), finite).optional(),
  layerMs: z.record(z.string(), finite).optional(),
  callOverheadMs: finite.optional(),
  readbackMsPerByte: finite.optional(),
});

/** A latency profile as `edgent profile` writes it. */
export const profileSchema = z.looseObject({
  format: z.literal('edgent-profile/2'),
  backend: z.string(),
  device: z.string(),
  model: z.looseObject({ id: z.string().min(1), hash: z.string().optional() }),
  latency: latencyModelSchema,
});

const exitAccuracy = z.looseObject({ exit: z.number().int().nonnegative(), accuracy: finite });

/** A model's manifest.json. Its architecture is checked by `validateSpec` besides. */
export const manifestSchema = z.looseObject({
  format: z.literal('edgent-model/1'),
  id: z.string().min(1),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, "expected 'sha256:' and 64 lowercase hex digits"),
  architecture: z.looseObject({ id: z.string(), input: z.array(z.number().int().positive()) }),
  weightsManifest: z.array(
    z.looseObject({
      paths: z.array(z.string()),
      weights: z.array(z.looseObject({ name: z.string(), shape: z.array(z.number().int()) })),
    }),
  ),
  evaluation: z.looseObject({ exits: z.array(exitAccuracy) }).optional(),
});

/** "<where>: <what>" of the first issue. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'the document';
  return `${where}: ${issue?.message ?? 'does not fit'}`;
}

/**
 * Checks a latency profile's JSON; throws EDGENT_ERR_BAD_PROFILE naming
 * `source` and the first bad field.
 */
export function parseProfile(json: unknown, source: string): DeviceProfile {
  const r = profileSchema.safeParse(json);
  if (!r.success) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_PROFILE',
      `${source} is not an edgent profile: ${firstIssue(r.error)}`,
    );
  }
  return r.data as unknown as DeviceProfile;
}

/**
 * Checks a manifest's JSON, its architecture included; throws
 * EDGENT_ERR_BAD_MANIFEST naming `source` and the first bad field.
 */
export function parseManifest(json: unknown, source: string): ModelManifest {
  const r = manifestSchema.safeParse(json);
  if (!r.success) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_MANIFEST',
      `${source} is not a model manifest: ${firstIssue(r.error)}`,
    );
  }
  const manifest = r.data as unknown as ModelManifest;
  try {
    validateSpec(manifest.architecture);
  } catch (e) {
    throw new EdgentError(
      'EDGENT_ERR_BAD_MANIFEST',
      `${source}: architecture: ${(e as Error).message}`,
    );
  }
  return manifest;
}
