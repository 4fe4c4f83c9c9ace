/**
 * The Edgent search (docs/planner.md): for a bandwidth, RTT and
 * deadline, the most accurate exit with a partition whose predicted
 * end-to-end latency meets the deadline, at its fastest such partition.
 *
 * `compilePlanner` does everything that does not depend on the link once:
 * per exit path, prefix sums of device layer latencies, suffix sums of edge
 * layer latencies and bytes per partition, laid out flat in the order the
 * search visits them. A decision is then one pass over typed arrays with one
 * multiply-add per (exit, partition) and no allocation until the answer.
 */
import { PlannerError } from './errors';
import { bytesDown, bytesUp, DEFAULT_HEADER_BYTES } from './payload';
import { predictLayerMs } from './regression';
import type { Breakdown, Encoding, LatencyModel, Plan, PlannerPath } from './types';

/** What the planner is compiled with besides paths and latencies. */
export interface PlannerOptions {
  /** How intermediate tensors cross the link. */
  encoding: Encoding;
  /** Frame header bytes per message; default `DEFAULT_HEADER_BYTES` (72, the protocol's header). */
  headerBytes?: number;
  /** Classes of the result the edge returns (float32 scores). */
  classes: number;
  /** Milliseconds added once when the device runs any layers (`LatencyModel.callOverheadMs`). */
  deviceCallMs?: number;
  /** Milliseconds added once when the edge runs any layers. */
  edgeCallMs?: number;
  /** Device milliseconds per byte of reading back the head's output (`LatencyModel.readbackMsPerByte`). */
  deviceReadbackMsPerByte?: number;
  /** Edge milliseconds per byte of reading back the tail's output. */
  edgeReadbackMsPerByte?: number;
}

/** The per-decision input. */
export interface PlanInput {
  /** Estimated link bandwidth, bits per second (both directions). */
  bandwidthBps: number;
  /** Round-trip time, ms; half is charged to each direction when something is sent. */
  rttMs: number;
  /** Latency requirement, ms. */
  deadlineMs: number;
  /**
   * How uncertain the bandwidth is: the standard deviation of log bandwidth
   * (natural log; e.g. 0.2 for about ±20%). When above 0 the planner
   * maximises expected effective accuracy, accuracy x P(the deadline is met),
   * log bandwidth Student-t (3 degrees of freedom, scale this) around
   * log `bandwidthBps`, and a plan is feasible
   * when it meets the deadline with probability at least
   * {@link FEASIBLE_PROBABILITY}; equal expected accuracies go to the faster
   * plan. Absent or 0: the paper's search on the
   * estimate as if it were certain.
   */
  bandwidthLogSd?: number;
  /** Multiplies the device's predicted milliseconds (online calibration); default 1. */
  deviceScale?: number;
  /** Multiplies the edge's predicted milliseconds; default 1. */
  edgeScale?: number;
  /** Milliseconds added to the edge's part of every plan that uses the edge (queueing, decoding); default 0. */
  edgeExtraMs?: number;
  /**
   * Bytes of each exchange (up plus down) that cross at no cost at the
   * estimated rate: a token bucket's burst, measured from transfers; negative
   * for a per-message overhead (its milliseconds as bytes at this rate). An
   * exchange is charged max(0, bytes - burstBytes) at the rate; default 0.
   */
  burstBytes?: number;
  /**
   * Milliseconds every exchange with the edge takes beyond its bytes and the
   * round trip (a per-message overhead measured from transfers: the device's
   * own event loop, framing), charged like the round trip, half each way;
   * default 0.
   */
  transferExtraMs?: number;
  /**
   * Bytes of this request's input as it crosses at partition 0, without the
   * frame header (e.g. the size of this frame's JPEG encoding); default the
   * path's `rawInputBytes`.
   */
  inputBytes?: number;
}

/**
 * Expected effective accuracies this close (relative) to the best are ties:
 * the fastest of them is taken. A plan 0.1% less sure to be met (and as
 * accurate) is preferred when it is faster.
 */
export const TIE_TOLERANCE = 1e-3;

/** A plan less likely than this to meet the deadline is not chosen for its chance. */
export const MIN_MEET_PROBABILITY = 0.01;

/** A plan with an uncertain link is called feasible when it meets the deadline this often. */
export const FEASIBLE_PROBABILITY = 0.95;

/**
 * P(total <= deadline) for a plan whose compute and round trip take `fixedMs`
 * and whose bytes take `wireMs` at the estimated rate, the rate log-t (see studentT3Cdf)
 * with standard deviation `sd`: the rate must be at least wireMs / slack of
 * the estimate.
 */
export function meetProbability(
  fixedMs: number,
  wireMs: number,
  deadlineMs: number,
  sd: number,
): number {
  const slack = deadlineMs - fixedMs;
  if (!(slack > 0)) return 0;
  if (wireMs <= 0) return 1;
  const z = Math.log(slack / wireMs) / sd;
  return studentT3Cdf(z);
}

/**
 * CDF of Student's t with 3 degrees of freedom: the link's rate is taken as
 * log-t rather than log-normal, because real links fade: a drop to a fifth of
 * the estimate within a second is rare but not the 8-sigma event a normal
 * makes of it (0.2% here).
 */
export function studentT3Cdf(t: number): number {
  const x = t / Math.sqrt(3);
  return 0.5 + (x / (1 + x * x) + Math.atan(x)) / Math.PI;
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 through erf; error under 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Milliseconds of every layer of every path: `ms[i][j]` is layer j of `paths[i]`. */
export type PerLayerMs = readonly (readonly number[])[];

/** A planner compiled for one model, one pair of latency models and one encoding. */
export interface CompiledPlanner {
  /** The paths, as given. */
  readonly paths: readonly PlannerPath[];
  /** The exit whose path is the whole model (the highest exit number). */
  readonly lastExit: number;
  /**
   * The Edgent choice: most accurate exit with a partition meeting the
   * deadline, at its fastest such partition (ties: the earlier exit, then
   * the smaller partition). When none meets it: the fastest plan overall
   * (ties: more accurate, earlier exit, smaller partition), `feasible: false`.
   */
  plan(input: PlanInput): Plan;
  /** Every (exit, partition), by exit then partition, with bytes, breakdown and feasibility. */
  candidates(input: PlanInput): Plan[];
  /** The plan for one given (exit, partition); throws on an unknown exit or partition. */
  evaluate(exit: number, partition: number, input: PlanInput): Plan;
}

/**
 * Compiles the planner from latency models: each layer's milliseconds on
 * each side are predicted once (`predictLayerMs`), and each side's share of
 * a plan is what `predictSliceMs` gives for its slice.
 *
 * @example
 * const planner = compilePlanner(paths, deviceModel, edgeModel, { encoding: 'int8', classes: 10 });
 * planner.plan({ bandwidthBps: 1e6, rttMs: 20, deadlineMs: 200 });
 */
export function compilePlanner(
  paths: readonly PlannerPath[],
  device: LatencyModel,
  edge: LatencyModel,
  opts: PlannerOptions,
): CompiledPlanner {
  const deviceMs = paths.map((p) => p.layers.map((l) => predictLayerMs(device, l)));
  const edgeMs = paths.map((p) => p.layers.map((l) => predictLayerMs(edge, l)));
  return compilePlannerFromMs(paths, deviceMs, edgeMs, {
    ...opts,
    deviceCallMs: opts.deviceCallMs ?? device.callOverheadMs ?? 0,
    edgeCallMs: opts.edgeCallMs ?? edge.callOverheadMs ?? 0,
    deviceReadbackMsPerByte: opts.deviceReadbackMsPerByte ?? device.readbackMsPerByte ?? 0,
    edgeReadbackMsPerByte: opts.edgeReadbackMsPerByte ?? edge.readbackMsPerByte ?? 0,
  });
}

function badInput(message: string): PlannerError {
  return new PlannerError('EDGENT_ERR_BAD_PLAN_INPUT', message);
}

function checkMs(name: string, ms: PerLayerMs, paths: readonly PlannerPath[]): void {
  if (ms.length !== paths.length) {
    throw badInput(`${name}: ${ms.length} paths of latencies for ${paths.length} paths`);
  }
  paths.forEach((path, i) => {
    const row = ms[i] as readonly number[];
    if (row.length !== path.layers.length) {
      throw badInput(
        `${name}: exit ${path.exit} has ${path.layers.length} layers, got ${row.length} latencies`,
      );
    }
    row.forEach((v, j) => {
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw badInput(`${name}: exit ${path.exit} layer ${j} has latency ${v}, expected >= 0`);
      }
    });
  });
}

/** Compiles the planner from per-layer milliseconds (e.g. measured, for an oracle). */
export function compilePlannerFromMs(
  paths: readonly PlannerPath[],
  deviceMs: PerLayerMs,
  edgeMs: PerLayerMs,
  opts: PlannerOptions,
): CompiledPlanner {
  const headerBytes = opts.headerBytes ?? DEFAULT_HEADER_BYTES;
  const deviceCall = opts.deviceCallMs ?? 0;
  const edgeCall = opts.edgeCallMs ?? 0;
  const deviceReadback = opts.deviceReadbackMsPerByte ?? 0;
  const edgeReadback = opts.edgeReadbackMsPerByte ?? 0;
  if (!(deviceCall >= 0 && edgeCall >= 0)) {
    throw badInput(`call overheads must be >= 0, got device ${deviceCall}, edge ${edgeCall}`);
  }
  if (!(deviceReadback >= 0 && edgeReadback >= 0)) {
    throw badInput(
      `read-back costs must be >= 0, got device ${deviceReadback}, edge ${edgeReadback}`,
    );
  }
  if (paths.length === 0) throw badInput('no exit paths');
  if (!['float32', 'float16', 'int8'].includes(opts.encoding)) {
    throw badInput(`encoding ${opts.encoding}; allowed: float32, float16, int8`);
  }
  if (!(headerBytes >= 0) || !Number.isFinite(headerBytes)) {
    throw badInput(`headerBytes must be a finite number >= 0, got ${headerBytes}`);
  }
  if (!Number.isInteger(opts.classes) || opts.classes < 1) {
    throw badInput(`classes must be a whole number >= 1, got ${opts.classes}`);
  }
  const seen = new Set<number>();
  for (const path of paths) {
    if (seen.has(path.exit)) throw badInput(`exit ${path.exit} appears twice among the paths`);
    seen.add(path.exit);
    if (!(path.accuracy >= 0 && path.accuracy <= 1)) {
      throw badInput(`exit ${path.exit} has accuracy ${path.accuracy}, expected 0..1`);
    }
  }
  checkMs('device', deviceMs, paths);
  checkMs('edge', edgeMs, paths);

  // Search order: accuracy descending, then exit ascending; partitions ascending within a path.
  const order = paths
    .map((_, i) => i)
    .sort(
      (a, b) =>
        (paths[b] as PlannerPath).accuracy - (paths[a] as PlannerPath).accuracy ||
        (paths[a] as PlannerPath).exit - (paths[b] as PlannerPath).exit,
    );
  const total = paths.reduce((s, p) => s + p.layers.length + 1, 0);
  const pathOf = new Int32Array(total);
  const partOf = new Int32Array(total);
  const local = new Uint8Array(total);
  const dev = new Float64Array(total);
  const edg = new Float64Array(total);
  const up = new Float64Array(total);
  const down = new Float64Array(total);
  const offset = new Int32Array(paths.length);
  const groupEnds: number[] = [];

  let c = 0;
  order.forEach((i, rank) => {
    const path = paths[i] as PlannerPath;
    const n = path.layers.length;
    const dms = deviceMs[i] as readonly number[];
    const ems = edgeMs[i] as readonly number[];
    offset[i] = c;
    const suffix = new Float64Array(n + 1);
    for (let j = n - 1; j >= 0; j--) suffix[j] = (suffix[j + 1] as number) + (ems[j] as number);
    let prefix = 0;
    for (let p = 0; p <= n; p++, c++) {
      pathOf[c] = i;
      partOf[c] = p;
      local[c] = p === n ? 1 : 0;
      const outBytes = (j: number) => (path.layers[j] as PlannerPath['layers'][number]).outputBytes;
      dev[c] = prefix + (p > 0 ? deviceCall + deviceReadback * outBytes(p - 1) : 0);
      edg[c] = (suffix[p] as number) + (p < n ? edgeCall + edgeReadback * outBytes(n - 1) : 0);
      up[c] = bytesUp(path, p, opts.encoding, headerBytes);
      down[c] = bytesDown(path, p, opts.classes, headerBytes);
      if (p < n) prefix += dms[p] as number;
    }
    const next = order[rank + 1];
    if (next === undefined || (paths[next] as PlannerPath).accuracy !== path.accuracy) {
      groupEnds.push(c);
    }
  });
  const ends = Int32Array.from(groupEnds);
  const indexOfExit = new Map(paths.map((p, i) => [p.exit, i]));
  const lastExit = Math.max(...paths.map((p) => p.exit));

  /** Bytes up at partition 0 for the current input (PlanInput.inputBytes), if it says. */
  let frameUp: number | undefined;
  const upAt = (at: number): number =>
    frameUp !== undefined && partOf[at] === 0 && local[at] === 0 ? frameUp : (up[at] as number);

  /** ms per byte: 8 bits / bandwidth * 1000; validates the input and takes its frame size. */
  function msPerByte(input: PlanInput): number {
    const frame = input.inputBytes;
    if (frame !== undefined && !(Number.isSafeInteger(frame) && frame >= 0)) {
      throw badInput(`inputBytes ${frame} must be a whole number >= 0`);
    }
    frameUp = frame === undefined ? undefined : frame + headerBytes;
    const { bandwidthBps, rttMs, deadlineMs } = input;
    if (!(bandwidthBps >= 0) || !(rttMs >= 0) || Number.isNaN(deadlineMs)) {
      throw badInput(
        `bandwidthBps ${bandwidthBps} (expected >= 0), rttMs ${rttMs} (expected >= 0), deadlineMs ${deadlineMs} (expected a number)`,
      );
    }
    const ds = input.deviceScale ?? 1;
    const es = input.edgeScale ?? 1;
    if (!(ds > 0 && es > 0 && Number.isFinite(ds) && Number.isFinite(es))) {
      throw badInput(`deviceScale ${ds} and edgeScale ${es} must be finite numbers > 0`);
    }
    if (!Number.isFinite(input.edgeExtraMs ?? 0)) {
      throw badInput(`edgeExtraMs ${input.edgeExtraMs} must be a finite number`);
    }
    if (!Number.isFinite(input.burstBytes ?? 0)) {
      throw badInput(`burstBytes ${input.burstBytes} must be a finite number`);
    }
    const extra = input.transferExtraMs ?? 0;
    if (!(extra >= 0 && Number.isFinite(extra))) {
      throw badInput(`transferExtraMs ${extra} must be a finite number >= 0`);
    }
    return 8000 / bandwidthBps;
  }

  /** Bytes of the plan at `at` charged at the rate: those beyond the burst (see PlanInput.burstBytes). */
  function charged(at: number, burst: number): number {
    return Math.max(0, upAt(at) + (down[at] as number) - burst);
  }

  /** The edge's milliseconds of the plan at `at`: none on the device alone. */
  function edgePart(at: number, es: number, ex: number): number {
    return local[at] === 1 ? 0 : (edg[at] as number) * es + ex;
  }

  function make(
    at: number,
    t: number,
    feasible: boolean,
    k: number,
    rtt: number,
    ds: number,
    es: number,
    ex: number,
    burst: number,
  ): Plan {
    const path = paths[pathOf[at] as number] as PlannerPath;
    const isLocal = local[at] === 1;
    const bUp = upAt(at);
    const bDown = down[at] as number;
    // The burst's share of each direction in proportion to its bytes.
    const f = bUp + bDown > 0 ? charged(at, burst) / (bUp + bDown) : 0;
    const predicted: Breakdown = {
      device: (dev[at] as number) * ds,
      upload: isLocal ? 0 : bUp * f * k + rtt / 2,
      edge: edgePart(at, es, ex),
      download: isLocal ? 0 : bDown * f * k + rtt / 2,
      total: t,
    };
    return {
      exit: path.exit,
      partition: partOf[at] as number,
      predicted,
      accuracy: path.accuracy,
      bytesUp: bUp,
      bytesDown: bDown,
      feasible,
    };
  }

  /** Per candidate: predicted total and expected effective accuracy (planUncertain's scratch). */
  const scratchT = new Float64Array(total);
  const scratchScore = new Float64Array(total);
  const scratchP = new Float64Array(total);

  /**
   * The plan of highest expected effective accuracy (accuracy x P(met)); those
   * within {@link TIE_TOLERANCE} of it are ties, and the fastest of them is
   * taken, as the paper's search takes the fastest. None with P(met) at least
   * {@link MIN_MEET_PROBABILITY}: the fastest plan overall.
   */
  function planUncertain(
    k: number,
    rtt: number,
    deadline: number,
    sd: number,
    ds: number,
    es: number,
    ex: number,
    burst: number,
  ): Plan {
    let bestScore = 0;
    let fastC = -1;
    let fastT = 0;
    for (let at = 0; at < total; at++) {
      const isLocal = local[at] === 1;
      const work = (dev[at] as number) * ds + edgePart(at, es, ex);
      const fixed = isLocal ? work : work + rtt;
      const wire = isLocal ? 0 : charged(at, burst) * k;
      const t = fixed + wire;
      if (fastC < 0 || t < fastT) {
        fastC = at;
        fastT = t;
      }
      const p = meetProbability(fixed, wire, deadline, sd);
      // A plan that would take a rare fade's opposite (a much faster link) is not worth a try.
      const score =
        p < MIN_MEET_PROBABILITY ? 0 : (paths[pathOf[at] as number] as PlannerPath).accuracy * p;
      scratchT[at] = t;
      scratchScore[at] = score;
      scratchP[at] = p;
      if (score > bestScore) bestScore = score;
    }
    if (!(bestScore > 0)) return make(fastC, fastT, false, k, rtt, ds, es, ex, burst);
    let bestC = -1;
    let bestT = 0;
    const floor = bestScore * (1 - TIE_TOLERANCE);
    for (let at = 0; at < total; at++) {
      const t = scratchT[at] as number;
      if ((scratchScore[at] as number) >= floor && (bestC < 0 || t < bestT)) {
        bestC = at;
        bestT = t;
      }
    }
    const p = scratchP[bestC] as number;
    return make(bestC, bestT, p >= FEASIBLE_PROBABILITY, k, rtt, ds, es, ex, burst);
  }

  /** Whether the plan at `at`, predicted to take `t`, is feasible for `input` (see PlanInput). */
  function feasibleAt(at: number, t: number, k: number, input: PlanInput): boolean {
    const sd = input.bandwidthLogSd ?? 0;
    if (!(sd > 0) || local[at] === 1) return t <= input.deadlineMs;
    const wire = charged(at, input.burstBytes ?? 0) * k;
    return meetProbability(t - wire, wire, input.deadlineMs, sd) >= FEASIBLE_PROBABILITY;
  }

  function totalAt(at: number, k: number, input: PlanInput): number {
    const work =
      (dev[at] as number) * (input.deviceScale ?? 1) +
      edgePart(at, input.edgeScale ?? 1, input.edgeExtraMs ?? 0);
    return local[at] === 1
      ? work
      : work + charged(at, input.burstBytes ?? 0) * k + exchangeMs(input);
  }

  const burstOf = (input: PlanInput) => input.burstBytes ?? 0;
  /** What an exchange costs besides its bytes: the round trip and the per-message overhead. */
  const exchangeMs = (input: PlanInput) => input.rttMs + (input.transferExtraMs ?? 0);

  return {
    paths,
    lastExit,
    plan(input: PlanInput): Plan {
      const k = msPerByte(input);
      const rtt = exchangeMs(input);
      const deadline = input.deadlineMs;
      const sd = input.bandwidthLogSd ?? 0;
      const ds = input.deviceScale ?? 1;
      const es = input.edgeScale ?? 1;
      const ex = input.edgeExtraMs ?? 0;
      const burst = input.burstBytes ?? 0;
      if (sd > 0) return planUncertain(k, rtt, deadline, sd, ds, es, ex, burst);
      let fastC = -1;
      let fastT = 0;
      let start = 0;
      for (let g = 0; g < ends.length; g++) {
        const end = ends[g] as number;
        let bestC = -1;
        let bestT = 0;
        for (let at = start; at < end; at++) {
          const work = (dev[at] as number) * ds + edgePart(at, es, ex);
          const t = local[at] === 1 ? work : work + charged(at, burst) * k + rtt;
          if (fastC < 0 || t < fastT) {
            fastC = at;
            fastT = t;
          }
          if (t <= deadline && (bestC < 0 || t < bestT)) {
            bestC = at;
            bestT = t;
          }
        }
        if (bestC >= 0) return make(bestC, bestT, true, k, rtt, ds, es, ex, burst);
        start = end;
      }
      return make(fastC, fastT, false, k, rtt, ds, es, ex, burst);
    },
    candidates(input: PlanInput): Plan[] {
      const k = msPerByte(input);
      const ds = input.deviceScale ?? 1;
      const es = input.edgeScale ?? 1;
      const ex = input.edgeExtraMs ?? 0;
      const out: Plan[] = [];
      const byExit = paths
        .map((_, i) => i)
        .sort((a, b) => {
          return (paths[a] as PlannerPath).exit - (paths[b] as PlannerPath).exit;
        });
      for (const i of byExit) {
        const from = offset[i] as number;
        const n = (paths[i] as PlannerPath).layers.length;
        for (let at = from; at <= from + n; at++) {
          const t = totalAt(at, k, input);
          out.push(
            make(
              at,
              t,
              feasibleAt(at, t, k, input),
              k,
              exchangeMs(input),
              ds,
              es,
              ex,
              burstOf(input),
            ),
          );
        }
      }
      return out;
    },
    evaluate(exit: number, partition: number, input: PlanInput): Plan {
      const i = indexOfExit.get(exit);
      if (i === undefined) {
        throw new PlannerError(
          'EDGENT_ERR_BAD_EXIT',
          `exit ${exit} is not among the planner's exits ${[...indexOfExit.keys()].join(', ')}`,
        );
      }
      const n = (paths[i] as PlannerPath).layers.length;
      if (!Number.isInteger(partition) || partition < 0 || partition > n) {
        throw new PlannerError(
          'EDGENT_ERR_BAD_PARTITION',
          `partition ${partition} out of range for exit ${exit}, which has partitions 0..${n}`,
        );
      }
      const k = msPerByte(input);
      const at = (offset[i] as number) + partition;
      const t = totalAt(at, k, input);
      return make(
        at,
        t,
        feasibleAt(at, t, k, input),
        k,
        exchangeMs(input),
        input.deviceScale ?? 1,
        input.edgeScale ?? 1,
        input.edgeExtraMs ?? 0,
        burstOf(input),
      );
    },
  };
}
