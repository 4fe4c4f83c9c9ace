/**
 * The journal version's dynamic-bandwidth mode: a change-point detector
 * watches log bandwidth; on the first sample and on every detected change the
 * plan switches to the configuration map's entry for the new segment's mean
 * bandwidth. Between changes the plan stays put, however the samples jitter.
 */
import { type BocpdOptions, createBocpd } from '../changepoint/bocpd';
import { PlannerError } from '../errors';
import type { Plan } from '../types';
import { type ConfigMap, lookup } from './config-map';

/** Options of `createDynamicPlanner`. */
export interface DynamicPlannerOptions {
  /** The latency requirement, ms. */
  deadlineMs: number;
  /** Change-point detector settings (over natural-log bit/s). */
  bocpd?: BocpdOptions;
}

/** A dynamic planner; create with `createDynamicPlanner`. */
export interface DynamicPlanner {
  /** Feeds one bandwidth sample (bit/s, > 0); returns the plan in force after it. */
  observe(bandwidthBps: number): Plan;
  /** Changes the deadline and re-reads the map at the current segment's bandwidth. */
  setDeadline(deadlineMs: number): void;
  /** Replaces the map (e.g. refilled after the latency models changed); the detector keeps its segment. */
  setMap(map: ConfigMap): void;
  /** The plan in force; undefined before the first sample. */
  readonly plan: Plan | undefined;
  /** The bandwidth the plan was looked up for (the segment mean), bit/s. */
  readonly segmentBps: number | undefined;
  /** Times the plan's (exit, partition) changed, not counting the first plan. */
  readonly switches: number;
  /** Changes the detector reported. */
  readonly changes: number;
}

/** Bandwidth samples are floored here before taking logs, bit/s. */
const FLOOR_BPS = 1;

/**
 * Combines BOCPD with a configuration map.
 *
 * @example
 * const dyn = createDynamicPlanner(map, { deadlineMs: 200 });
 * const plan = dyn.observe(estimator.estimate()!.bps);
 */
export function createDynamicPlanner(map: ConfigMap, opts: DynamicPlannerOptions): DynamicPlanner {
  checkDeadline(opts.deadlineMs);
  let current = map;
  let deadlineMs = opts.deadlineMs;
  const detector = createBocpd(opts.bocpd);
  let plan: Plan | undefined;
  let segmentBps: number | undefined;
  let switches = 0;
  let changes = 0;

  function adopt(next: Plan): void {
    if (plan !== undefined && (next.exit !== plan.exit || next.partition !== plan.partition)) {
      switches++;
    }
    plan = next;
  }

  return {
    observe(bandwidthBps) {
      if (!(bandwidthBps >= 0)) {
        throw new PlannerError(
          'EDGENT_ERR_BAD_PLAN_INPUT',
          `dynamic planner needs a bandwidth >= 0 bit/s, got ${bandwidthBps}`,
        );
      }
      const first = detector.samples === 0;
      const result = detector.update(Math.log(Math.max(FLOOR_BPS, bandwidthBps)));
      if (result.changed) changes++;
      if (first || result.changed) {
        segmentBps = Math.exp(detector.currentSegmentMean() as number);
        adopt(lookup(current, segmentBps, deadlineMs));
      }
      return plan as Plan;
    },

    setDeadline(ms) {
      checkDeadline(ms);
      deadlineMs = ms;
      if (segmentBps !== undefined) adopt(lookup(current, segmentBps, deadlineMs));
    },

    setMap(next) {
      current = next;
      if (segmentBps !== undefined) adopt(lookup(current, segmentBps, deadlineMs));
    },

    get plan() {
      return plan;
    },
    get segmentBps() {
      return segmentBps;
    },
    get switches() {
      return switches;
    },
    get changes() {
      return changes;
    },
  };
}

function checkDeadline(ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_PLAN_INPUT',
      `dynamic planner deadlineMs must be a finite number >= 0, got ${ms}`,
    );
  }
}
