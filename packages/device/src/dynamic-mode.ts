import {
  type BandwidthStates,
  type BocpdOptions,
  buildConfigMap,
  type ConfigMap,
  createDynamicPlanner,
  type DynamicPlanner,
  type Plan,
} from '@edgent/planner';
import { DeviceError } from './errors';

/**
 * The journal version's dynamic-bandwidth mode on the device: a configuration
 * map (a plan per bandwidth state and deadline, filled by the Edgent search of
 * a CoInference at start), and a change-point detector fed with each raw
 * bandwidth sample the device takes (not the smoothed estimate, whose lag
 * would delay every change); the plan switches only when the detector sees
 * the link change. Refilling the map (new latency models, encoding) keeps the
 * detector and its segment.
 */

/**
 * What the dynamic mode reads off a device: its link samples, and the Edgent
 * search at a bandwidth (CoInference; or a simulated device in a replay).
 */
export interface DynamicModeSource {
  /** The raw link samples taken after sample `seq` (LinkPolicy.samplesSince). */
  samplesSince(seq: number): readonly { seq: number; bps: number }[];
  planAt(bandwidthBps: number, deadlineMs: number): Plan;
}

/** Options of {@link DynamicMode}. */
export interface DynamicModeOptions {
  /** The latency requirement, ms. */
  deadlineMs: number;
  /** Bandwidth states; default {@link logStates}(50 kbit/s, 1 Gbit/s, 24). */
  states?: BandwidthStates;
  /** Deadlines of the map, ms; default {@link DEFAULT_MAP_DEADLINES_MS}. */
  deadlinesMs?: readonly number[];
  bocpd?: BocpdOptions;
}

/** 1..10 ms in steps of 1, then steps of about 10% up to 5 s. */
export const DEFAULT_MAP_DEADLINES_MS: readonly number[] = Object.freeze(
  (() => {
    const out: number[] = [];
    for (let d = 1; d <= 10; d++) out.push(d);
    for (let d = 11; d <= 5000; d = Math.ceil(d * 1.1)) out.push(d);
    return out;
  })(),
);

/**
 * `count` bandwidth states with log-spaced edges from `lowBps` to `highBps`,
 * each represented by its geometric middle (the open first and last states
 * by the middle of a bin of the same width).
 *
 * @example logStates(50e3, 1e9, 24).edgesBps.length // 23
 */
export function logStates(lowBps: number, highBps: number, count: number): BandwidthStates {
  if (!(lowBps > 0 && highBps > lowBps) || !Number.isInteger(count) || count < 2) {
    throw new DeviceError(
      'EDGENT_ERR_BAD_OPTION',
      `logStates needs 0 < lowBps < highBps and a whole count >= 2; got ${lowBps}, ${highBps}, ${count}`,
    );
  }
  const step = (Math.log(highBps) - Math.log(lowBps)) / (count - 2);
  const edgesBps = Array.from({ length: count - 1 }, (_, i) =>
    Math.exp(Math.log(lowBps) + i * step),
  );
  const representativeBps = Array.from({ length: count }, (_, i) =>
    Math.exp(Math.log(lowBps) + (i - 0.5) * step),
  );
  return { edgesBps, representativeBps };
}

/** The dynamic-bandwidth mode over one CoInference (or another {@link DynamicModeSource}). */
export class DynamicMode {
  private map: ConfigMap;
  private planner: DynamicPlanner;
  private deadline: number;
  private readonly states: BandwidthStates;
  private readonly deadlines: readonly number[];
  /** The last link sample fed to the detector. */
  private seen = 0;

  constructor(
    private readonly co: DynamicModeSource,
    private readonly options: DynamicModeOptions,
  ) {
    this.deadline = options.deadlineMs;
    this.states = options.states ?? logStates(50e3, 1e9, 24);
    this.deadlines = options.deadlinesMs ?? DEFAULT_MAP_DEADLINES_MS;
    this.map = this.buildMap();
    this.planner = this.newPlanner();
  }

  /** The configuration map in use. */
  get configMap(): ConfigMap {
    return this.map;
  }

  /** The plan in force; undefined before the first bandwidth sample. */
  get plan(): Plan | undefined {
    return this.planner.plan;
  }

  /** The bandwidth the plan was looked up for (the current segment's mean), bit/s. */
  get segmentBps(): number | undefined {
    return this.planner.segmentBps;
  }

  /** Link changes the detector reported, and plan switches they caused. */
  get changes(): number {
    return this.planner.changes;
  }

  get switches(): number {
    return this.planner.switches;
  }

  /** Feeds the link samples taken since the last call (each once); returns the plan in force. */
  observe(): Plan | undefined {
    for (const sample of this.co.samplesSince(this.seen)) {
      this.planner.observe(sample.bps);
      this.seen = sample.seq;
    }
    return this.planner.plan;
  }

  /**
   * Changes the deadline; the plan is re-read from the map at once (the map
   * gets an entry for a deadline it does not have).
   */
  setDeadline(ms: number): void {
    this.deadline = ms;
    if (!this.map.deadlinesMs.includes(ms)) {
      this.map = this.buildMap();
      this.planner.setMap(this.map);
    }
    this.planner.setDeadline(ms);
  }

  /**
   * Refills the map from the CoInference's planner (after its latency models,
   * encoding or RTT changed); the detector and its segment stay, and the plan
   * is re-read from the new map.
   */
  rebuild(): void {
    this.map = this.buildMap();
    this.planner.setMap(this.map);
  }

  /**
   * The map over the states, for the map's deadlines and the deadline in force: a lookup takes
   * the largest map deadline at or below the one asked for, and a coarser one would plan for
   * less time than the person gave (94 ms for 100 ms on the default grid).
   */
  private buildMap(): ConfigMap {
    return buildConfigMap(this.states, [...this.deadlines, this.deadline], (bps, d) =>
      this.co.planAt(bps, d),
    );
  }

  private newPlanner(): DynamicPlanner {
    return createDynamicPlanner(this.map, {
      deadlineMs: this.deadline,
      ...(this.options.bocpd ? { bocpd: this.options.bocpd } : {}),
    });
  }
}
