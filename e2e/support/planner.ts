import { describeModel, type ModelManifest } from '@edgent/model';
import {
  type CompiledPlanner,
  compilePlanner,
  type Encoding,
  type LatencyModel,
  type Plan,
  type PlannerPath,
} from '@edgent/planner';
import { HEADER_BYTES } from '@edgent/protocol';
import type { APIRequestContext } from '@playwright/test';
import type { ShownPlan } from './edgent-page';

/**
 * The shared planner, compiled in the test as the page compiles it
 * (packages/device's CoInference): the model's exit paths and accuracies
 * from the edge (its default model at /model/), the edge profile from /api/profile, and the
 * device profile the page shows. Tests use it to know which way a plan
 * should move instead of hard-coding an answer.
 */

/** What the edge serves that the planner needs. */
export interface EdgeSide {
  paths: PlannerPath[];
  classes: number;
  edge: LatencyModel;
}

/** Reads the model and the edge profile from the edge at `baseURL`. */
export async function fetchEdgeSide(request: APIRequestContext): Promise<EdgeSide> {
  const manifest = (await (await request.get('/model/manifest.json')).json()) as ModelManifest;
  const profileResponse = await request.get('/api/profile');
  if (profileResponse.status() !== 200) {
    throw new Error(`GET /api/profile answered ${profileResponse.status()}, expected a profile`);
  }
  const profile = (await profileResponse.json()) as { latency: LatencyModel };
  const accuracy = manifest.evaluation?.exits.map((e) => e.accuracy) ?? [];
  const paths = describeModel(manifest.architecture).map((p) => ({
    ...p,
    accuracy: accuracy[p.exit] ?? 0,
  }));
  return { paths, classes: manifest.architecture.classes, edge: profile.latency };
}

/** The planner for `device` against the edge, as the page compiles it. */
export function plannerFor(
  side: EdgeSide,
  device: LatencyModel,
  encoding: Encoding,
): CompiledPlanner {
  return compilePlanner(side.paths, device, side.edge, {
    encoding,
    classes: side.classes,
    headerBytes: HEADER_BYTES,
  });
}

/** (exit, partition) of a plan, for comparing and printing. */
export function cut(plan: Plan | ShownPlan): string {
  return `exit ${plan.exit} partition ${plan.partition}`;
}

export function samePlan(a: Plan | ShownPlan, b: Plan | ShownPlan): boolean {
  return a.exit === b.exit && a.partition === b.partition;
}

/**
 * Whether `after` puts the work more toward the device than `before`: an
 * earlier exit, or a later cut (more layers on the device), or both
 * device-only.
 */
export function towardDevice(
  before: { exit: number; partition: number; layers: number },
  after: { exit: number; partition: number; layers: number },
): boolean {
  const deviceOnly = (p: typeof before) => p.partition === p.layers;
  return (
    after.exit < before.exit ||
    (after.exit === before.exit && after.partition > before.partition) ||
    (deviceOnly(before) && deviceOnly(after))
  );
}

/** A plan with the number of layers on its exit path, as the page shows it. */
export function withLayers(side: EdgeSide, plan: Plan): Plan & { layers: number } {
  const path = side.paths.find((p) => p.exit === plan.exit);
  return { ...plan, layers: path?.layers.length ?? 0 };
}
