import { describe, expect, it } from 'vitest';
import {
  deviceOnly,
  edgeOnly,
  exitOnly,
  oracle,
  partitionOnly,
  runBaselines,
  truthPlanner,
} from '../src/baselines';
import { compilePlannerFromMs, type PlanInput } from '../src/search';
import { fakePath, reluModel } from './fakes';

// The hand model of search.test.ts: one byte costs 1 ms at 8000 bit/s.
// exit 0 (0.8): totals p=0..2: 106, 22, 10.   exit 1 (0.9): p=0..3: 107, 36, 235, 50.
const paths = [fakePath(0, 0.8, [3, 1]), fakePath(1, 0.9, [5, 50, 1])];
const deviceMs = [
  [5, 5],
  [10, 20, 20],
];
const edgeMs = [
  [1, 1],
  [1, 1, 1],
];
const opts = { encoding: 'float32' as const, headerBytes: 0, classes: 1 };
const planner = compilePlannerFromMs(paths, deviceMs, edgeMs, opts);
const at = (deadlineMs: number): PlanInput => ({ bandwidthBps: 8000, rttMs: 0, deadlineMs });

describe('baselines, by hand', () => {
  it.each([
    {
      name: 'device-only',
      run: deviceOnly,
      d: 40,
      exit: 1,
      partition: 3,
      total: 50,
      feasible: false,
    },
    {
      name: 'device-only',
      run: deviceOnly,
      d: 60,
      exit: 1,
      partition: 3,
      total: 50,
      feasible: true,
    },
    { name: 'edge-only', run: edgeOnly, d: 40, exit: 1, partition: 0, total: 107, feasible: false },
    {
      name: 'partition-only',
      run: partitionOnly,
      d: 40,
      exit: 1,
      partition: 1,
      total: 36,
      feasible: true,
    },
    {
      name: 'partition-only',
      run: partitionOnly,
      d: 30,
      exit: 1,
      partition: 1,
      total: 36,
      feasible: false,
    },
    { name: 'exit-only', run: exitOnly, d: 40, exit: 0, partition: 2, total: 10, feasible: true },
    { name: 'exit-only', run: exitOnly, d: 60, exit: 1, partition: 3, total: 50, feasible: true },
    { name: 'exit-only', run: exitOnly, d: 5, exit: 0, partition: 2, total: 10, feasible: false },
  ])(
    '$name, deadline $d: exit $exit, partition $partition',
    ({ run, d, exit, partition, total, feasible }) => {
      const plan = run(planner, at(d));
      expect(plan).toMatchObject({ exit, partition, feasible });
      expect(plan.predicted.total).toBeCloseTo(total, 9);
    },
  );

  it('runBaselines returns all four', () => {
    const all = runBaselines(planner, at(40));
    expect(Object.keys(all).sort()).toEqual([
      'deviceOnly',
      'edgeOnly',
      'exitOnly',
      'partitionOnly',
    ]);
    expect(all.partitionOnly).toEqual(partitionOnly(planner, at(40)));
  });
});

describe('oracle', () => {
  it('plans with the true bandwidth, not the estimate', () => {
    // At 16000 bit/s: exit 1, p=1 costs 10 + 10 + 2 + 2 = 24.
    const plan = oracle(
      paths,
      { device: deviceMs, edge: edgeMs, bandwidthBps: 16000 },
      opts,
      at(25),
    );
    expect(plan).toMatchObject({ exit: 1, partition: 1, feasible: true });
    expect(plan.predicted.total).toBeCloseTo(24, 9);
    expect(planner.plan(at(25))).toMatchObject({ exit: 0 });
  });

  it('takes latency models or per-layer milliseconds, mixed', () => {
    const model = reluModel(2, 0);
    const ms = paths.map((p) => p.layers.map(() => 2));
    const a = truthPlanner(paths, { device: model, edge: edgeMs }, opts);
    const b = truthPlanner(paths, { device: ms, edge: edgeMs }, opts);
    expect(a.candidates(at(40))).toEqual(b.candidates(at(40)));
  });
});
