/**
 * Properties of the search and the baselines on random models, links and
 * deadlines (seeded), checked against brute force over every (exit, partition).
 */
import { describe, expect, it } from 'vitest';
import {
  deviceOnly,
  edgeOnly,
  exitOnly,
  oracle,
  partitionOnly,
  truthPlanner,
} from '../src/baselines';
import { bytesDown, bytesUp } from '../src/payload';
import {
  type CompiledPlanner,
  compilePlannerFromMs,
  type PlanInput,
  type PlannerOptions,
} from '../src/search';
import type { Encoding, Plan, PlannerPath } from '../src/types';
import { fakePath, rng } from './fakes';

const CASES = 300;

interface Case {
  paths: PlannerPath[];
  deviceMs: number[][];
  edgeMs: number[][];
  opts: PlannerOptions;
  input: PlanInput;
}

function randomCase(seed: number): Case {
  const u = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(u() * (hi - lo + 1));
  const exits = int(1, 7);
  // A few accuracy levels so that ties happen.
  const levels = [0.7, 0.8, 0.85, 0.9, 0.92];
  const paths: PlannerPath[] = [];
  const deviceMs: number[][] = [];
  const edgeMs: number[][] = [];
  for (let e = 0; e < exits; e++) {
    const n = int(0, 14);
    const elements = Array.from({ length: n }, () => int(1, 20000));
    paths.push(fakePath(e, levels[int(0, levels.length - 1)] as number, elements, int(100, 3000)));
    const dev = elements.map(() => 40 * u());
    deviceMs.push(dev);
    edgeMs.push(dev.map((d) => d / (2 + 20 * u())));
  }
  const encodings: Encoding[] = ['float32', 'float16', 'int8'];
  return {
    paths,
    deviceMs,
    edgeMs,
    opts: { encoding: encodings[int(0, 2)] as Encoding, headerBytes: int(0, 100), classes: 10 },
    input: {
      bandwidthBps: 10 ** (4 + 4 * u()),
      rttMs: u() < 0.2 ? 0 : 60 * u(),
      deadlineMs: 400 * u(),
    },
  };
}

/** Every (exit, partition) summed layer by layer, independently of the compiled planner. */
function bruteForce(c: Case, input: PlanInput): Plan[] {
  const out: Plan[] = [];
  c.paths.forEach((path, i) => {
    const n = path.layers.length;
    for (let p = 0; p <= n; p++) {
      const dev = (c.deviceMs[i] as number[]).slice(0, p).reduce((a, b) => a + b, 0);
      const edge = (c.edgeMs[i] as number[]).slice(p).reduce((a, b) => a + b, 0);
      const up = bytesUp(path, p, c.opts.encoding, c.opts.headerBytes);
      const down = bytesDown(path, p, c.opts.classes, c.opts.headerBytes);
      const send = (bytes: number) =>
        p === n ? 0 : ((bytes * 8) / input.bandwidthBps) * 1000 + input.rttMs / 2;
      const total = dev + send(up) + edge + send(down);
      out.push({
        exit: path.exit,
        partition: p,
        predicted: { device: dev, upload: send(up), edge, download: send(down), total },
        accuracy: path.accuracy,
        bytesUp: up,
        bytesDown: down,
        feasible: total <= input.deadlineMs,
      });
    }
  });
  return out;
}

/** The Edgent rule over a list: most accurate feasible, fastest, earlier exit, smaller p; else fastest. */
function pick(plans: Plan[]): Plan {
  const key = (a: Plan, b: Plan) =>
    b.accuracy - a.accuracy ||
    a.predicted.total - b.predicted.total ||
    a.exit - b.exit ||
    a.partition - b.partition;
  const feasible = plans.filter((p) => p.feasible).sort(key);
  if (feasible[0]) return feasible[0];
  return [...plans].sort(
    (a, b) => a.predicted.total - b.predicted.total || b.accuracy - a.accuracy || a.exit - b.exit,
  )[0] as Plan;
}

function expectSamePlan(got: Plan, want: Plan): void {
  expect(got.feasible).toBe(want.feasible);
  expect(got.accuracy).toBe(want.accuracy);
  expect(got.predicted.total).toBeCloseTo(want.predicted.total, 6);
  // Plans whose totals differ only by rounding are ties; otherwise they must be the same plan.
  if (Math.abs(got.predicted.total - want.predicted.total) > 1e-9) {
    expect([got.exit, got.partition, got.bytesUp, got.bytesDown]).toEqual([
      want.exit,
      want.partition,
      want.bytesUp,
      want.bytesDown,
    ]);
  }
}

const cases = Array.from({ length: CASES }, (_, i) => randomCase(1000 + i));
const compiled = (c: Case): CompiledPlanner =>
  compilePlannerFromMs(c.paths, c.deviceMs, c.edgeMs, c.opts);

describe(`search properties over ${CASES} random cases`, () => {
  it('covers feasible and infeasible decisions, and exits of equal accuracy', () => {
    const plans = cases.map((c) => compiled(c).plan(c.input));
    expect(plans.filter((p) => p.feasible).length).toBeGreaterThan(CASES / 4);
    expect(plans.filter((p) => !p.feasible).length).toBeGreaterThan(CASES / 20);
    const tied = cases.filter((c) => new Set(c.paths.map((p) => p.accuracy)).size < c.paths.length);
    expect(tied.length).toBeGreaterThan(CASES / 4);
  });

  it('agrees with brute force over every (exit, partition)', () => {
    for (const c of cases) {
      const planner = compiled(c);
      const want = pick(bruteForce(c, c.input));
      const got = planner.plan(c.input);
      expectSamePlan(got, want);
      expect(got).toEqual(planner.evaluate(got.exit, got.partition, c.input));
    }
  });

  it('candidates match brute force one by one', () => {
    for (const c of cases.slice(0, 50)) {
      const got = compiled(c).candidates(c.input);
      const want = bruteForce(c, c.input);
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => {
        const w = want[i] as Plan;
        expect([g.exit, g.partition, g.bytesUp, g.bytesDown]).toEqual([
          w.exit,
          w.partition,
          w.bytesUp,
          w.bytesDown,
        ]);
        for (const k of ['device', 'upload', 'edge', 'download', 'total'] as const) {
          expect(g.predicted[k]).toBeCloseTo(w.predicted[k], 6);
        }
      });
    }
  });

  it('meets the deadline whenever it says feasible, and is the fastest when not', () => {
    for (const c of cases) {
      const plan = compiled(c).plan(c.input);
      if (plan.feasible) expect(plan.predicted.total).toBeLessThanOrEqual(c.input.deadlineMs);
      else {
        const all = bruteForce(c, c.input);
        expect(all.some((p) => p.feasible)).toBe(false);
        expect(plan.predicted.total).toBeCloseTo(Math.min(...all.map((p) => p.predicted.total)), 6);
      }
    }
  });

  it('more bandwidth never gives a less accurate plan', () => {
    for (const [i, c] of cases.entries()) {
      const planner = compiled(c);
      const low = planner.plan(c.input);
      const high = planner.plan({ ...c.input, bandwidthBps: c.input.bandwidthBps * (1 + (i % 7)) });
      if (low.feasible) {
        expect(high.feasible).toBe(true);
        expect(high.accuracy).toBeGreaterThanOrEqual(low.accuracy);
      }
    }
  });

  it('a longer deadline never gives a less accurate plan', () => {
    for (const [i, c] of cases.entries()) {
      const planner = compiled(c);
      const short = planner.plan(c.input);
      const long = planner.plan({ ...c.input, deadlineMs: c.input.deadlineMs + 5 * (i % 11) });
      if (short.feasible) {
        expect(long.feasible).toBe(true);
        expect(long.accuracy).toBeGreaterThanOrEqual(short.accuracy);
      }
    }
  });
});

describe(`baseline properties over ${CASES} random cases`, () => {
  const last = (c: Case) => c.paths[c.paths.length - 1] as PlannerPath;

  it('each baseline agrees with brute force restricted to its space', () => {
    for (const c of cases) {
      const planner = compiled(c);
      const all = bruteForce(c, c.input);
      const lastExit = last(c).exit;
      const n = last(c).layers.length;
      const onLast = all.filter((p) => p.exit === lastExit);
      const fastestOnLast = [...onLast].sort(
        (a, b) => a.predicted.total - b.predicted.total,
      )[0] as Plan;
      const deviceOnlyPlans = all.filter(
        (p) => p.partition === (c.paths[p.exit] as PlannerPath).layers.length,
      );
      expectSamePlan(deviceOnly(planner, c.input), onLast.find((p) => p.partition === n) as Plan);
      expectSamePlan(edgeOnly(planner, c.input), onLast.find((p) => p.partition === 0) as Plan);
      expectSamePlan(partitionOnly(planner, c.input), fastestOnLast);
      expectSamePlan(exitOnly(planner, c.input), pick(deviceOnlyPlans));
    }
  });

  it('the oracle is at least as accurate as every baseline and Edgent that truly meets the deadline', () => {
    let compared = 0;
    for (const [i, c] of cases.entries()) {
      const u = rng(5000 + i);
      // The truth: each layer off by up to +-40%, the link off by up to x2 either way.
      const truth = {
        device: c.deviceMs.map((r) => r.map((v) => v * (0.6 + 0.8 * u()))),
        edge: c.edgeMs.map((r) => r.map((v) => v * (0.6 + 0.8 * u()))),
        bandwidthBps: c.input.bandwidthBps * 2 ** (2 * u() - 1),
      };
      const best = oracle(c.paths, truth, c.opts, c.input);
      const real = truthPlanner(c.paths, truth, c.opts);
      const trueInput = { ...c.input, bandwidthBps: truth.bandwidthBps };
      const planner = compiled(c);
      const chosen = [
        deviceOnly(planner, c.input),
        edgeOnly(planner, c.input),
        partitionOnly(planner, c.input),
        exitOnly(planner, c.input),
        planner.plan(c.input),
      ];
      for (const plan of chosen) {
        const actual = real.evaluate(plan.exit, plan.partition, trueInput);
        if (actual.feasible) {
          compared++;
          expect(best.feasible).toBe(true);
          expect(best.accuracy).toBeGreaterThanOrEqual(actual.accuracy);
        }
      }
    }
    expect(compared).toBeGreaterThan(CASES / 2);
  });
});
