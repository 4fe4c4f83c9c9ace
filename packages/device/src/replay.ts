/**
 * Trace-driven replay of Edgent and its baselines on a simulated clock (the
 * journal version's dynamic-bandwidth evaluation). A device takes a request
 * every `intervalMs` (one at a time: an arrival while it is busy is skipped,
 * as a camera stream skips frames). Each policy is its own device, with the
 * same link policy as the page and `edgent device` (LinkPolicy: probes,
 * transfers fed by their measured wire time, a probe whenever the estimate is
 * older than 2 s, expiry, the slow-link defaults) and the same planner and
 * dynamic mode. What is true comes
 * from the trace: a message crosses the link at the trace's rate over its
 * transfer (looping, per direction, as the edge's link emulator does), plus
 * half the round trip each way; the device and the edge compute for what
 * their latency models predict. The device observes only its own transfers
 * and probes.
 *
 * Policies: `edgent-static` (the planner on the estimate), `edgent-dynamic`
 * (the configuration map and change-point detector), the four baselines on
 * the same estimate (`device-only`, `edge-only`, `partition-only`,
 * `exit-only`), `oracle` (the planner given the true rate at the request's
 * start and the true RTT) and `clairvoyant` (the most accurate plan whose true
 * latency over the trace meets the deadline, knowing the future).
 */
import {
  type BandwidthTrace,
  type CompiledPlanner,
  compilePlanner,
  deviceOnly,
  type Encoding,
  edgeOnly,
  exitOnly,
  type LatencyModel,
  type Plan,
  type PlanInput,
  type PlannerPath,
  partitionOnly,
  rateAt,
  traceDuration,
  transferSeconds,
} from '@edgent/planner';
import { DynamicMode } from './dynamic-mode';
import { LinkPolicy, type ProbeResult, planSensitive } from './link-policy';

/** The policies a replay compares, in report order. */
export const REPLAY_POLICIES = [
  'edgent-static',
  'edgent-dynamic',
  'device-only',
  'edge-only',
  'partition-only',
  'exit-only',
  'oracle',
  'clairvoyant',
] as const;

export type ReplayPolicy = (typeof REPLAY_POLICIES)[number];

/** What a replay runs on. */
export interface ReplayScenario {
  /** Exit paths with their accuracies. */
  paths: PlannerPath[];
  /** The device's latency model: what the planner predicts and what the device takes. */
  device: LatencyModel;
  edge: LatencyModel;
  classes: number;
  encoding: Encoding;
  /** Frame header bytes (HEADER_BYTES of @edgent/protocol). */
  headerBytes: number;
  /** The link's rate over time (already scaled), replayed in a loop. */
  trace: BandwidthTrace;
  /** A request every this many ms. */
  intervalMs: number;
  /** The true round trip, ms (half each way). */
  rttMs: number;
  deadlineMs: number;
  /** How long to replay, s; default the trace's length. */
  durationS?: number;
}

/** One request of a replay. */
export interface ReplayRequest {
  /** When the device began it, ms from the start. */
  atMs: number;
  exit: number;
  partition: number;
  /** What the plan was predicted to take, and whether that met the deadline. */
  predictedMs: number;
  feasible: boolean;
  /** What it took over the trace. */
  trueMs: number;
  met: boolean;
  /** The exit's accuracy. */
  accuracy: number;
  /** The estimate the plan used, bit/s (undefined: none yet). */
  estimateBps: number | undefined;
  /** The trace's rate when the request began, bit/s. */
  trueBps: number;
}

/** One policy's results at one deadline. */
export interface ReplaySummary {
  requests: number;
  /** Mean of the exit's accuracy when the deadline was met, else 0 (a fraction). */
  effectiveAccuracy: number;
  metRate: number;
  meanMs: number;
  p95Ms: number;
  /** Of the requests planned as feasible, the share that missed (NaN when none was feasible). */
  missedAmongFeasible: number;
  /** Requests per plan, keyed `exit/partition`. */
  plans: Record<string, number>;
}

/** Each baseline policy's search, run alone (runBaselines would run all four per request). */
const BASELINE_OF: Partial<
  Record<ReplayPolicy, (planner: CompiledPlanner, input: PlanInput) => Plan>
> = {
  'device-only': deviceOnly,
  'edge-only': edgeOnly,
  'partition-only': partitionOnly,
  'exit-only': exitOnly,
};

/** Policies that plan with the estimate, and so measure the link. */
const MEASURES: ReadonlySet<ReplayPolicy> = new Set([
  'edgent-static',
  'edgent-dynamic',
  'edge-only',
  'partition-only',
]);

/** What a plan takes over the trace when begun at `startMs`. */
export function trueLatencyMs(
  scenario: Pick<ReplayScenario, 'trace' | 'rttMs'>,
  plan: Pick<Plan, 'predicted' | 'bytesUp' | 'bytesDown'>,
  startMs: number,
): { totalMs: number; transferMs: number } {
  const { trace, rttMs } = scenario;
  const device = plan.predicted.device;
  if (plan.bytesUp === 0 && plan.bytesDown === 0) return { totalMs: device, transferMs: 0 };
  const sentAt = startMs + device;
  const upMs = 1000 * transferSeconds(trace, sentAt / 1000, plan.bytesUp, { atEnd: 'loop' });
  const backAt = sentAt + upMs + rttMs / 2 + plan.predicted.edge;
  const downMs = 1000 * transferSeconds(trace, backAt / 1000, plan.bytesDown, { atEnd: 'loop' });
  const transferMs = upMs + downMs + rttMs;
  return { totalMs: device + transferMs + plan.predicted.edge, transferMs };
}

/** Replays `scenario` with `policy`; resolves with every request it served. */
export async function replay(
  scenario: ReplayScenario,
  policy: ReplayPolicy,
): Promise<ReplayRequest[]> {
  const planner = compilePlanner(scenario.paths, scenario.device, scenario.edge, {
    encoding: scenario.encoding,
    classes: scenario.classes,
    headerBytes: scenario.headerBytes,
  });
  let clock = 0;
  const now = () => clock;
  const link = new LinkPolicy(now);
  const { trace, deadlineMs, headerBytes } = scenario;
  const endMs = 1000 * (scenario.durationS ?? traceDuration(trace));
  const dynamic =
    policy === 'edgent-dynamic'
      ? new DynamicMode(
          {
            samplesSince: (seq) => link.samplesSince(seq),
            // As CoInference.planAt: the link's other inputs (round trip, spread) as they are.
            planAt: (bandwidthBps, d) =>
              planner.plan({ ...link.input(), bandwidthBps, deadlineMs: d }),
          },
          { deadlineMs },
        )
      : undefined;

  /** A probe of `bytes` over the trace from now; moves the clock past it. */
  const probe = async (bytes: number): Promise<ProbeResult> => {
    const up = headerBytes + bytes;
    const { totalMs } = trueLatencyMs(
      scenario,
      {
        predicted: { device: 0, upload: 0, edge: 0, download: 0, total: 0 },
        bytesUp: up,
        bytesDown: headerBytes,
      },
      clock,
    );
    clock += totalMs;
    return { elapsedMs: totalMs, bytesUp: up, bytesDown: headerBytes, edgeMs: 0 };
  };
  const measure = async (rounds: number) => {
    await link.measure(probe, rounds);
    dynamic?.observe();
  };

  const measures = MEASURES.has(policy);
  // As the page does once connected; the map is made for the round trip just measured.
  if (measures) {
    await measure(2);
    dynamic?.rebuild();
  }
  const out: ReplayRequest[] = [];
  let busyUntil = clock;
  for (let arrival = 0; arrival < endMs; arrival += scenario.intervalMs) {
    if (arrival < busyUntil) continue; // busy: this arrival is skipped
    clock = arrival;
    // The plan's sensitivity is asked only when it decides (a probe due while it matters).
    if (
      measures &&
      link.probeDue(true) &&
      (link.probeDue(false) || sensitive(planner, link.input(), deadlineMs))
    ) {
      await measure(1);
    }
    const start = clock;
    const input = { ...link.input(), deadlineMs };
    const trueBps = 1e6 * rateAt(trace, start / 1000, { atEnd: 'loop' });
    const plan = choose(policy, planner, input, dynamic, scenario, start, trueBps);
    const { totalMs, transferMs } = trueLatencyMs(scenario, plan, start);
    clock = start + totalMs;
    busyUntil = clock;
    if (plan.bytesUp > 0) {
      link.observeTransfer({
        bytesUp: plan.bytesUp,
        bytesDown: plan.bytesDown,
        elapsedMs: transferMs + plan.predicted.edge,
        edgeMs: plan.predicted.edge,
      });
      dynamic?.observe();
    }
    out.push({
      atMs: start,
      exit: plan.exit,
      partition: plan.partition,
      predictedMs: plan.predicted.total,
      feasible: plan.feasible,
      trueMs: totalMs,
      met: totalMs <= deadlineMs,
      accuracy: plan.accuracy,
      estimateBps: link.bandwidth?.bps,
      trueBps,
    });
  }
  return out;
}

/** Whether the Edgent plan for `deadlineMs` depends on the estimate (as CoInference.probeDue asks). */
function sensitive(
  planner: CompiledPlanner,
  input: { bandwidthBps: number; rttMs: number; bandwidthLogSd?: number },
  deadlineMs: number,
): boolean {
  return planSensitive(
    (bandwidthBps) => planner.plan({ ...input, bandwidthBps, deadlineMs }),
    input.bandwidthBps,
  );
}

function choose(
  policy: ReplayPolicy,
  planner: CompiledPlanner,
  input: { bandwidthBps: number; rttMs: number; deadlineMs: number },
  dynamic: DynamicMode | undefined,
  scenario: ReplayScenario,
  start: number,
  trueBps: number,
): Plan {
  const baseline = BASELINE_OF[policy];
  if (baseline) return baseline(planner, input);
  if (policy === 'edgent-dynamic' && dynamic) {
    const entry = dynamic.plan ?? dynamic.observe();
    return entry ? planner.evaluate(entry.exit, entry.partition, input) : planner.plan(input);
  }
  if (policy === 'oracle') {
    return planner.plan({
      bandwidthBps: trueBps,
      rttMs: scenario.rttMs,
      deadlineMs: input.deadlineMs,
    });
  }
  if (policy === 'clairvoyant') return clairvoyant(planner, input, scenario, start);
  return planner.plan(input);
}

/**
 * The most accurate plan whose true latency from `start` meets the deadline
 * (ties: the fastest); when none does, the fastest. Its prediction is the
 * truth, so it is feasible exactly when it meets the deadline.
 */
function clairvoyant(
  planner: CompiledPlanner,
  input: { bandwidthBps: number; rttMs: number; deadlineMs: number },
  scenario: ReplayScenario,
  start: number,
): Plan {
  let best: { plan: Plan; ms: number } | undefined;
  let fastest: { plan: Plan; ms: number } | undefined;
  for (const path of [...planner.paths].sort((a, b) => b.accuracy - a.accuracy)) {
    if (best && path.accuracy < best.plan.accuracy) break;
    for (let p = 0; p <= path.layers.length; p++) {
      const plan = planner.evaluate(path.exit, p, input);
      const ms = trueLatencyMs(scenario, plan, start).totalMs;
      if (!fastest || ms < fastest.ms) fastest = { plan, ms };
      if (ms <= input.deadlineMs && (!best || ms < best.ms)) best = { plan, ms };
    }
  }
  const chosen = (best ?? fastest) as { plan: Plan; ms: number };
  const truth = { ...chosen.plan.predicted, total: chosen.ms };
  return { ...chosen.plan, predicted: truth, feasible: chosen.ms <= input.deadlineMs };
}

/** Sums up a policy's requests (at one deadline). */
export function summarize(requests: readonly ReplayRequest[]): ReplaySummary {
  const n = requests.length;
  const plans: Record<string, number> = {};
  let effective = 0;
  let met = 0;
  let sum = 0;
  let feasible = 0;
  let missedFeasible = 0;
  for (const r of requests) {
    if (r.met) {
      met++;
      effective += r.accuracy;
    }
    sum += r.trueMs;
    if (r.feasible) {
      feasible++;
      if (!r.met) missedFeasible++;
    }
    const key = `${r.exit}/${r.partition}`;
    plans[key] = (plans[key] ?? 0) + 1;
  }
  const sorted = requests.map((r) => r.trueMs).sort((a, b) => a - b);
  return {
    requests: n,
    effectiveAccuracy: n ? effective / n : Number.NaN,
    metRate: n ? met / n : Number.NaN,
    meanMs: n ? sum / n : Number.NaN,
    p95Ms: n ? (sorted[Math.min(n - 1, Math.floor(0.95 * n))] as number) : Number.NaN,
    missedAmongFeasible: feasible ? missedFeasible / feasible : Number.NaN,
    plans,
  };
}
