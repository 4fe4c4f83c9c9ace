/**
 * The baselines of docs/planner.md, on the same compiled planner and input
 * as the Edgent search, so their plans compare one to one:
 *
 * - device-only: last exit, the device runs everything;
 * - edge-only: last exit, the device sends the raw input;
 * - partition-only (Neurosurgeon): last exit, fastest partition;
 * - exit-only on the device (BranchyNet): most accurate exit whose
 *   device-only time fits, else the fastest device-only exit;
 * - oracle: the Edgent search given the true bandwidth and latencies.
 */
import { predictLayerMs } from './regression';
import {
  type CompiledPlanner,
  compilePlannerFromMs,
  type PerLayerMs,
  type PlanInput,
  type PlannerOptions,
} from './search';
import type { LatencyModel, Plan, PlannerPath } from './types';

/** Names of the baselines `runBaselines` returns. */
export type BaselineName = 'deviceOnly' | 'edgeOnly' | 'partitionOnly' | 'exitOnly';

function layerCount(planner: CompiledPlanner, exit: number): number {
  const path = planner.paths.find((p) => p.exit === exit) as PlannerPath;
  return path.layers.length;
}

/** Last exit, partition = end: everything on the device. */
export function deviceOnly(planner: CompiledPlanner, input: PlanInput): Plan {
  const exit = planner.lastExit;
  return planner.evaluate(exit, layerCount(planner, exit), input);
}

/** Last exit, partition 0: the raw input goes to the edge. */
export function edgeOnly(planner: CompiledPlanner, input: PlanInput): Plan {
  return planner.evaluate(planner.lastExit, 0, input);
}

/** Neurosurgeon: last exit, the fastest partition (ties: the smaller partition). */
export function partitionOnly(planner: CompiledPlanner, input: PlanInput): Plan {
  const exit = planner.lastExit;
  const n = layerCount(planner, exit);
  let best = planner.evaluate(exit, 0, input);
  for (let p = 1; p <= n; p++) {
    const plan = planner.evaluate(exit, p, input);
    if (plan.predicted.total < best.predicted.total) best = plan;
  }
  return best;
}

/**
 * BranchyNet on the device: the most accurate exit whose device-only time
 * meets the deadline (ties: faster, then the earlier exit); when none does,
 * the fastest device-only exit (ties: more accurate, earlier), infeasible.
 */
export function exitOnly(planner: CompiledPlanner, input: PlanInput): Plan {
  const plans = [...planner.paths]
    .sort((a, b) => a.exit - b.exit)
    .map((p) => planner.evaluate(p.exit, p.layers.length, input));
  let best: Plan | undefined;
  let fastest: Plan | undefined;
  for (const plan of plans) {
    const t = plan.predicted.total;
    if (
      plan.feasible &&
      (!best ||
        plan.accuracy > best.accuracy ||
        (plan.accuracy === best.accuracy && t < best.predicted.total))
    ) {
      best = plan;
    }
    if (
      !fastest ||
      t < fastest.predicted.total ||
      (t === fastest.predicted.total && plan.accuracy > fastest.accuracy)
    ) {
      fastest = plan;
    }
  }
  return best ?? (fastest as Plan);
}

/** All four baselines for one input. */
export function runBaselines(
  planner: CompiledPlanner,
  input: PlanInput,
): Record<BaselineName, Plan> {
  return {
    deviceOnly: deviceOnly(planner, input),
    edgeOnly: edgeOnly(planner, input),
    partitionOnly: partitionOnly(planner, input),
    exitOnly: exitOnly(planner, input),
  };
}

/** What really happens: each side's latencies (a model or per-layer ms) and the link's bandwidth. */
export interface Truth {
  device: LatencyModel | PerLayerMs;
  edge: LatencyModel | PerLayerMs;
  bandwidthBps: number;
}

/**
 * The best plan given the truth: the Edgent rule over every (exit,
 * partition) with true bandwidth and latencies. For benchmarks; its
 * `predicted` is the true breakdown.
 */
export function oracle(
  paths: readonly PlannerPath[],
  truth: Truth,
  opts: PlannerOptions,
  input: PlanInput,
): Plan {
  return truthPlanner(paths, truth, opts).plan({ ...input, bandwidthBps: truth.bandwidthBps });
}

/** A planner over the true latencies, e.g. to score any plan with `evaluate`. */
export function truthPlanner(
  paths: readonly PlannerPath[],
  truth: Pick<Truth, 'device' | 'edge'>,
  opts: PlannerOptions,
): CompiledPlanner {
  const ms = (side: LatencyModel | PerLayerMs): PerLayerMs =>
    isPerLayer(side) ? side : paths.map((p) => p.layers.map((l) => predictLayerMs(side, l)));
  return compilePlannerFromMs(paths, ms(truth.device), ms(truth.edge), opts);
}

function isPerLayer(side: LatencyModel | PerLayerMs): side is PerLayerMs {
  return Array.isArray(side);
}
