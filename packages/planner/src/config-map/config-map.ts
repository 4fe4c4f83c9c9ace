/**
 * The journal version's configuration map. Offline, bandwidth traces are cut
 * into states (bins of bandwidth) and, for every state and every deadline in
 * a list, the plan a planner picks at the state's representative bandwidth is
 * stored. Online, `lookup` finds a plan by two binary searches, without
 * allocating.
 */

import type { BandwidthTrace } from '../bandwidth/trace';
import { PlannerError } from '../errors';
import type { Plan } from '../types';

/**
 * Bandwidth states: state i covers `[edgesBps[i - 1], edgesBps[i])`, the first
 * from 0 and the last to infinity, so there is one more state than edges.
 */
export interface BandwidthStates {
  /** Inner bin edges, bit/s, strictly increasing. */
  edgesBps: number[];
  /** Each state's representative bandwidth, bit/s (what its plans are made for). */
  representativeBps: number[];
}

/** How `statesFromTraces` places bin edges. */
export interface StatesOptions {
  /** `quantile`: equally many samples per state (default); `log`: log-spaced edges between min and max. */
  method?: 'quantile' | 'log';
  /**
   * A state's representative: `median` of its samples (default), or `lower`,
   * its lower edge (the lowest sample for the first state), for plans that
   * hold across the whole state.
   */
  representative?: 'median' | 'lower';
}

/** A configuration map: a plan per (state, deadline); plain data, JSON-safe. */
export interface ConfigMap {
  version: 1;
  edgesBps: number[];
  representativeBps: number[];
  /** Deadlines, ms, strictly increasing. */
  deadlinesMs: number[];
  /** `plans[state * deadlinesMs.length + d]`. */
  plans: Plan[];
}

/** A planner to fill the map with, e.g. the exit/partition search at a given bandwidth and deadline. */
export type PlanFn = (bandwidthBps: number, deadlineMs: number) => Plan;

/**
 * Cuts the pooled samples of `traces` (Mbit/s; every sample counts once) into
 * at most `k` states. Equal edges (many identical samples) are merged, so
 * fewer states can come back.
 *
 * @example statesFromTraces([parseTrace(text)], 6) // { edgesBps: [5 edges], representativeBps: [6] }
 */
export function statesFromTraces(
  traces: readonly BandwidthTrace[],
  k: number,
  opts: StatesOptions = {},
): BandwidthStates {
  if (!Number.isInteger(k) || k < 1) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_OPTION',
      `statesFromTraces k must be a whole number >= 1, got ${k}`,
    );
  }
  const method = opts.method ?? 'quantile';
  if (method !== 'quantile' && method !== 'log') {
    throw new PlannerError(
      'EDGENT_ERR_BAD_OPTION',
      `statesFromTraces method must be 'quantile' or 'log', got ${String(method)}`,
    );
  }
  const samples: number[] = [];
  for (const trace of traces) for (const r of trace.mbps) samples.push(r * 1e6);
  if (samples.length === 0) {
    throw new PlannerError('EDGENT_ERR_BAD_TRACE', 'statesFromTraces needs at least one sample');
  }
  samples.sort((a, b) => a - b);

  const raw: number[] = [];
  if (method === 'quantile') {
    for (let i = 1; i < k; i++) raw.push(quantileSorted(samples, i / k));
  } else {
    const positive = samples.filter((s) => s > 0);
    const lo = Math.log(positive[0] ?? 1);
    const hi = Math.log(positive[positive.length - 1] ?? 1);
    for (let i = 1; i < k; i++) raw.push(Math.exp(lo + ((hi - lo) * i) / k));
  }
  const edgesBps: number[] = [];
  for (const e of raw) if (e > (edgesBps[edgesBps.length - 1] ?? 0)) edgesBps.push(e);

  const representativeBps: number[] = [];
  for (let i = 0; i <= edgesBps.length; i++) {
    const lo = i === 0 ? Number.NEGATIVE_INFINITY : (edgesBps[i - 1] as number);
    const hi = i === edgesBps.length ? Number.POSITIVE_INFINITY : (edgesBps[i] as number);
    const inBin = samples.filter((s) => s >= lo && s < hi);
    if (opts.representative === 'lower') {
      representativeBps.push(i === 0 ? (samples[0] as number) : lo);
    } else if (inBin.length > 0) {
      representativeBps.push(quantileSorted(inBin, 0.5));
    } else {
      // An empty log bin: its geometric middle.
      representativeBps.push(Math.sqrt(lo * hi));
    }
  }
  return { edgesBps, representativeBps };
}

/**
 * Fills a map: `planFn(state's representative bit/s, deadline)` for every
 * state and deadline. Deadlines are sorted and deduplicated.
 */
export function buildConfigMap(
  states: BandwidthStates,
  deadlinesMs: readonly number[],
  planFn: PlanFn,
): ConfigMap {
  const deadlines = [...new Set(deadlinesMs)].sort((a, b) => a - b);
  const map: ConfigMap = {
    version: 1,
    edgesBps: [...states.edgesBps],
    representativeBps: [...states.representativeBps],
    deadlinesMs: deadlines,
    plans: [],
  };
  validateShape(map, false);
  for (const bps of map.representativeBps) {
    for (const d of deadlines) map.plans.push(planFn(bps, d));
  }
  return map;
}

/** The state index of `bandwidthBps`: the number of edges at or below it (an exact edge belongs to the state above). */
export function stateOf(map: ConfigMap, bandwidthBps: number): number {
  const edges = map.edgesBps;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= bandwidthBps) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The stored plan for `bandwidthBps` and `deadlineMs`: the state holding the
 * bandwidth (below all edges: the first; above: the last) and the largest map
 * deadline at or below the requested one (the smallest if it is below all).
 * O(log states + log deadlines), no allocation. Throws
 * `EDGENT_ERR_BAD_PLAN_INPUT` on a negative or NaN bandwidth or deadline.
 */
export function lookup(map: ConfigMap, bandwidthBps: number, deadlineMs: number): Plan {
  if (!(bandwidthBps >= 0) || !(deadlineMs >= 0)) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_PLAN_INPUT',
      `config map lookup needs bandwidth >= 0 bit/s and deadline >= 0 ms, got ${bandwidthBps} and ${deadlineMs}`,
    );
  }
  const state = stateOf(map, bandwidthBps);
  const ds = map.deadlinesMs;
  let lo = 0;
  let hi = ds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ds[mid] as number) <= deadlineMs) lo = mid + 1;
    else hi = mid;
  }
  const d = lo === 0 ? 0 : lo - 1;
  return map.plans[state * ds.length + d] as Plan;
}

/** The map as JSON text. */
export function configMapToJson(map: ConfigMap): string {
  return JSON.stringify(map);
}

/** Parses and validates a map; throws `EDGENT_ERR_BAD_CONFIG_MAP` saying what is wrong. */
export function configMapFromJson(text: string): ConfigMap {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badMap(`not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null) throw badMap('expected an object');
  const map = value as ConfigMap;
  validateShape(map, true);
  return map;
}

function validateShape(map: ConfigMap, withPlans: boolean): void {
  if (map.version !== 1) throw badMap(`version must be 1, got ${String(map.version)}`);
  const lists = ['edgesBps', 'representativeBps', 'deadlinesMs'] as const;
  for (const name of lists) {
    const xs = map[name];
    if (!Array.isArray(xs) || !xs.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw badMap(`${name} must be a list of finite numbers`);
    }
    if (name !== 'representativeBps') {
      for (let i = 1; i < xs.length; i++) {
        if ((xs[i] as number) <= (xs[i - 1] as number)) {
          throw badMap(`${name} must increase strictly, got ${xs[i]} after ${xs[i - 1]}`);
        }
      }
    }
  }
  if (map.representativeBps.length !== map.edgesBps.length + 1) {
    throw badMap(
      `representativeBps needs one entry per state (edgesBps.length + 1 = ${map.edgesBps.length + 1}), got ${map.representativeBps.length}`,
    );
  }
  if (map.deadlinesMs.length === 0) throw badMap('deadlinesMs must not be empty');
  if (!withPlans) return;
  const want = map.representativeBps.length * map.deadlinesMs.length;
  if (!Array.isArray(map.plans) || map.plans.length !== want) {
    throw badMap(
      `plans must hold states x deadlines = ${want} entries, got ${Array.isArray(map.plans) ? map.plans.length : typeof map.plans}`,
    );
  }
  map.plans.forEach((p, i) => {
    if (
      typeof p !== 'object' ||
      p === null ||
      !Number.isInteger(p.exit) ||
      !Number.isInteger(p.partition) ||
      typeof p.predicted !== 'object' ||
      typeof p.feasible !== 'boolean'
    ) {
      throw badMap(
        `plans[${i}] is not a plan (needs integer exit and partition, predicted, feasible)`,
      );
    }
  });
}

function badMap(message: string): PlannerError {
  return new PlannerError('EDGENT_ERR_BAD_CONFIG_MAP', `config map: ${message}`);
}

/** The q-quantile (0..1) of a sorted non-empty list, linearly interpolated. */
function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const a = sorted[i] as number;
  const b = sorted[Math.min(i + 1, sorted.length - 1)] as number;
  return a + (b - a) * (pos - i);
}
