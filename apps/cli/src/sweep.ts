/**
 * The paper's Fig. 5 and Fig. 6 from the profiles: what Edgent chooses over a
 * grid of bandwidths and deadlines, and the five methods' predicted latency
 * and accuracy against the deadline at a few bandwidths. Pure: the planner on
 * the latency models, no clock.
 */
import {
  bytesUp,
  type CompiledPlanner,
  compilePlanner,
  type Encoding,
  type LatencyModel,
  type Plan,
  type PlannerPath,
  runBaselines,
  scaleLatency,
} from '@edgent/planner';

/** What a sweep runs on. */
export interface SweepInput {
  paths: PlannerPath[];
  device: LatencyModel;
  edge: LatencyModel;
  classes: number;
  encoding: Encoding;
  headerBytes: number;
  rttMs: number;
  bandwidthsBps: number[];
  deadlinesMs: number[];
  /** Where Fig. 6 is drawn. */
  fig6BandwidthsBps: number[];
  slowdowns: number[];
}

/** One cell of Fig. 5: Edgent's choice at a bandwidth and deadline. */
interface ChoiceCell {
  bandwidthBps: number;
  deadlineMs: number;
  exit: number;
  partition: number;
  layers: number;
  /** 'device-only', 'edge-only' or 'split'. */
  where: 'device-only' | 'edge-only' | 'split';
  predictedMs: number;
  feasible: boolean;
  accuracy: number;
  bytesUp: number;
}

/** One method at one bandwidth and deadline (Fig. 6). */
interface MethodCell {
  method: 'edgent' | 'device-only' | 'edge-only' | 'partition-only' | 'exit-only';
  bandwidthBps: number;
  deadlineMs: number;
  exit: number;
  partition: number;
  predictedMs: number;
  feasible: boolean;
  /** The exit's accuracy when the plan meets the deadline, else 0. */
  effectiveAccuracy: number;
}

/** A sweep at one device slow-down. */
export interface SweepResult {
  slowdown: number;
  choices: ChoiceCell[];
  methods: MethodCell[];
  /** Bytes sent at each cut of the last exit, against the raw input. */
  cuts: { partition: number; after: string; bytesUp: number }[];
}

/** `count` log-spaced values from `from` to `to`, rounded to 3 significant digits. */
export function logGrid(from: number, to: number, count: number): number[] {
  if (count === 1) return [from];
  return Array.from({ length: count }, (_, i) =>
    Number((from * (to / from) ** (i / (count - 1))).toPrecision(3)),
  );
}

function whereOf(plan: Plan, layers: number): ChoiceCell['where'] {
  if (plan.partition === layers) return 'device-only';
  return plan.partition === 0 ? 'edge-only' : 'split';
}

/** Runs the sweep at every slow-down. */
export function sweep(input: SweepInput): SweepResult[] {
  return input.slowdowns.map((slowdown) => {
    const planner: CompiledPlanner = compilePlanner(
      input.paths,
      scaleLatency(input.device, slowdown),
      input.edge,
      { encoding: input.encoding, classes: input.classes, headerBytes: input.headerBytes },
    );
    const layersOf = (exit: number) => input.paths.find((p) => p.exit === exit)?.layers.length ?? 0;
    const choices: ChoiceCell[] = [];
    for (const deadlineMs of input.deadlinesMs) {
      for (const bandwidthBps of input.bandwidthsBps) {
        const plan = planner.plan({ bandwidthBps, rttMs: input.rttMs, deadlineMs });
        const layers = layersOf(plan.exit);
        choices.push({
          bandwidthBps,
          deadlineMs,
          exit: plan.exit,
          partition: plan.partition,
          layers,
          where: whereOf(plan, layers),
          predictedMs: plan.predicted.total,
          feasible: plan.feasible,
          accuracy: plan.accuracy,
          bytesUp: plan.bytesUp,
        });
      }
    }
    const methods: MethodCell[] = [];
    for (const bandwidthBps of input.fig6BandwidthsBps) {
      for (const deadlineMs of input.deadlinesMs) {
        const planInput = { bandwidthBps, rttMs: input.rttMs, deadlineMs };
        const b = runBaselines(planner, planInput);
        const cells: [MethodCell['method'], Plan][] = [
          ['edgent', planner.plan(planInput)],
          ['device-only', b.deviceOnly],
          ['edge-only', b.edgeOnly],
          ['partition-only', b.partitionOnly],
          ['exit-only', b.exitOnly],
        ];
        for (const [method, plan] of cells) {
          methods.push({
            method,
            bandwidthBps,
            deadlineMs,
            exit: plan.exit,
            partition: plan.partition,
            predictedMs: plan.predicted.total,
            feasible: plan.feasible,
            effectiveAccuracy: plan.feasible ? plan.accuracy : 0,
          });
        }
      }
    }
    const last = input.paths.reduce((a, b) => (b.exit > a.exit ? b : a));
    const cuts = last.layers.map((_, i) => ({
      partition: i,
      after: i === 0 ? '(the input)' : (last.layers[i - 1]?.name ?? ''),
      bytesUp: bytesUp(last, i, input.encoding, input.headerBytes),
    }));
    return { slowdown, choices, methods, cuts };
  });
}
