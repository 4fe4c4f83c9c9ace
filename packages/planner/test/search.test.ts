import { describe, expect, it } from 'vitest';
import { predictLayerMs, predictSliceMs } from '../src/regression';
import {
  compilePlanner,
  compilePlannerFromMs,
  meetProbability,
  normalCdf,
  type PlanInput,
  studentT3Cdf,
} from '../src/search';
import { fakePath, reluModel } from './fakes';

// Header 0, 1 class: the result is 4 bytes. At 8000 bit/s one byte costs 1 ms.
//
// exit 1 (accuracy 0.9): raw input 100 B, outputs 5, 50, 1 elements (20, 200, 4 B)
//   device ms [10, 20, 20], edge ms [1, 1, 1]
//   p=0: 0 + 100 + 3 + 4 = 107   p=1: 10 + 20 + 2 + 4 = 36
//   p=2: 30 + 200 + 1 + 4 = 235  p=3: 50 (device only)
// exit 0 (accuracy 0.8): raw input 100 B, outputs 3, 1 elements
//   device ms [5, 5], edge ms [1, 1]
//   p=0: 0 + 100 + 2 + 4 = 106   p=1: 5 + 12 + 1 + 4 = 22   p=2: 10
const paths = [fakePath(0, 0.8, [3, 1]), fakePath(1, 0.9, [5, 50, 1])];
const deviceMs = [
  [5, 5],
  [10, 20, 20],
];
const edgeMs = [
  [1, 1],
  [1, 1, 1],
];
const planner = compilePlannerFromMs(paths, deviceMs, edgeMs, {
  encoding: 'float32',
  headerBytes: 0,
  classes: 1,
});
const at = (deadlineMs: number, rttMs = 0): PlanInput => ({
  bandwidthBps: 8000,
  rttMs,
  deadlineMs,
});

describe('plan, by hand', () => {
  it.each([
    {
      name: 'the deepest exit fits only with a middle partition',
      input: at(40),
      exit: 1,
      partition: 1,
      feasible: true,
      predicted: { device: 10, upload: 20, edge: 2, download: 4, total: 36 },
    },
    {
      name: 'a loose deadline takes the deepest exit at its fastest partition',
      input: at(1000),
      exit: 1,
      partition: 1,
      feasible: true,
      predicted: { device: 10, upload: 20, edge: 2, download: 4, total: 36 },
    },
    {
      name: 'RTT is charged half each way, so device-only wins for exit 1',
      input: at(1000, 20),
      exit: 1,
      partition: 3,
      feasible: true,
      predicted: { device: 50, upload: 0, edge: 0, download: 0, total: 50 },
    },
    {
      name: 'RTT half each way on a partitioned plan',
      input: at(48, 10),
      exit: 1,
      partition: 1,
      feasible: true,
      predicted: { device: 10, upload: 25, edge: 2, download: 9, total: 46 },
    },
    {
      name: 'only the early exit fits',
      input: at(20),
      exit: 0,
      partition: 2,
      feasible: true,
      predicted: { device: 10, upload: 0, edge: 0, download: 0, total: 10 },
    },
    {
      name: 'a deadline met exactly counts',
      input: at(36),
      exit: 1,
      partition: 1,
      feasible: true,
      predicted: { device: 10, upload: 20, edge: 2, download: 4, total: 36 },
    },
    {
      name: 'nothing fits: the fastest plan, infeasible',
      input: at(5),
      exit: 0,
      partition: 2,
      feasible: false,
      predicted: { device: 10, upload: 0, edge: 0, download: 0, total: 10 },
    },
  ])('$name', ({ input, exit, partition, feasible, predicted }) => {
    const plan = planner.plan(input);
    expect(plan).toMatchObject({ exit, partition, feasible });
    for (const [k, v] of Object.entries(predicted)) {
      expect(plan.predicted[k as keyof typeof predicted]).toBeCloseTo(v, 9);
    }
  });

  it('reports the bytes and accuracy of the chosen plan', () => {
    expect(planner.plan(at(40))).toMatchObject({ bytesUp: 20, bytesDown: 4, accuracy: 0.9 });
    expect(planner.plan(at(20))).toMatchObject({ bytesUp: 0, bytesDown: 0, accuracy: 0.8 });
  });

  it('between exits of equal accuracy takes the faster, then the earlier', () => {
    const tied = [fakePath(0, 0.9, [1]), fakePath(1, 0.9, [1]), fakePath(2, 0.9, [1])];
    const p = compilePlannerFromMs(tied, [[30], [20], [20]], [[0], [0], [0]], {
      encoding: 'float32',
      classes: 1,
    });
    expect(p.plan({ bandwidthBps: 1, rttMs: 0, deadlineMs: 100 })).toMatchObject({
      exit: 1,
      partition: 1,
    });
  });

  it('when nothing fits, between equally fast plans takes the more accurate', () => {
    const two = [fakePath(0, 0.8, [1]), fakePath(1, 0.9, [1])];
    const p = compilePlannerFromMs(two, [[10], [10]], [[0], [0]], { encoding: 'int8', classes: 1 });
    expect(p.plan({ bandwidthBps: 1, rttMs: 0, deadlineMs: 1 })).toMatchObject({
      exit: 1,
      partition: 1,
      feasible: false,
    });
  });

  it('between partitions of equal time takes the smaller', () => {
    // Free compute and an infinitely fast link: every partition of every exit costs 0.
    const p = compilePlannerFromMs([fakePath(0, 0.5, [1, 1])], [[0, 0]], [[0, 0]], {
      encoding: 'int8',
      classes: 10,
    });
    expect(
      p.plan({ bandwidthBps: Number.POSITIVE_INFINITY, rttMs: 0, deadlineMs: 0 }),
    ).toMatchObject({ exit: 0, partition: 0, feasible: true });
  });
});

describe('candidates and evaluate', () => {
  it('lists every (exit, partition) by exit then partition with totals', () => {
    const list = planner.candidates(at(40));
    expect(list.map((c) => [c.exit, c.partition, c.predicted.total, c.feasible])).toEqual([
      [0, 0, 106, false],
      [0, 1, 22, true],
      [0, 2, 10, true],
      [1, 0, 107, false],
      [1, 1, 36, true],
      [1, 2, 235, false],
      [1, 3, 50, false],
    ]);
  });

  it('evaluate matches the candidate and names bad exits and partitions', () => {
    expect(planner.evaluate(1, 2, at(40))).toEqual(planner.candidates(at(40))[5]);
    expect(() => planner.evaluate(7, 0, at(40))).toThrow(
      expect.objectContaining({ code: 'EDGENT_ERR_BAD_EXIT' }),
    );
    expect(() => planner.evaluate(1, 4, at(40))).toThrow(
      'partition 4 out of range for exit 1, which has partitions 0..3',
    );
  });
});

describe('compilePlanner', () => {
  it('predicts each layer once with the latency models, calibration included', () => {
    const device = reluModel(1, 0.1, 2);
    const edge = reluModel(0.5, 0.01);
    const opts = { encoding: 'float16' as const, classes: 10 };
    const fromModels = compilePlanner(paths, device, edge, opts);
    const fromMs = compilePlannerFromMs(
      paths,
      paths.map((p) => p.layers.map((l) => predictLayerMs(device, l))),
      paths.map((p) => p.layers.map((l) => predictLayerMs(edge, l))),
      opts,
    );
    const input = { bandwidthBps: 1e5, rttMs: 3, deadlineMs: 30 };
    expect(fromModels.candidates(input)).toEqual(fromMs.candidates(input));
    expect(fromModels.candidates(input)[0]?.predicted.edge).toBeCloseTo(2 * 0.5 + 0.01 * 4, 12);
  });

  it("adds each side's call overhead once when that side runs any layers", () => {
    const device = { ...reluModel(0, 0), callOverheadMs: 3 };
    const edge = { ...reluModel(0, 0), callOverheadMs: 0.5 };
    const p = compilePlanner(paths, device, edge, {
      encoding: 'float32',
      headerBytes: 0,
      classes: 1,
    });
    const input = { bandwidthBps: 8000, rttMs: 0, deadlineMs: 1000 };
    const byP = p.candidates(input).filter((c) => c.exit === 1);
    expect(byP.map((c) => c.predicted.device)).toEqual([0, 3, 3, 3]);
    expect(byP.map((c) => c.predicted.edge)).toEqual([0.5, 0.5, 0.5, 0]);
  });

  it("gives each side what predictSliceMs gives for that side's slice, read-back and measured layers included", () => {
    const first = paths[1]?.layers[0]?.name as string;
    const device = {
      ...reluModel(1, 0.1),
      callOverheadMs: 0.25,
      readbackMsPerByte: 0.001,
      layerMs: { [first]: 7 },
    };
    const edge = { ...reluModel(0.5, 0.01), callOverheadMs: 0.5, readbackMsPerByte: 0.0001 };
    const p = compilePlanner(paths, device, edge, { encoding: 'int8', classes: 10 });
    const input = { bandwidthBps: 1e6, rttMs: 1, deadlineMs: 100 };
    for (const c of p.candidates(input)) {
      const layers = paths.find((q) => q.exit === c.exit)?.layers ?? [];
      expect(c.predicted.device).toBeCloseTo(
        predictSliceMs(device, layers.slice(0, c.partition)),
        12,
      );
      expect(c.predicted.edge).toBeCloseTo(predictSliceMs(edge, layers.slice(c.partition)), 12);
    }
    const head = p.evaluate(1, 1, input).predicted.device;
    expect(head).toBeCloseTo(0.25 + 7 + 0.001 * (paths[1]?.layers[0]?.outputBytes ?? 0), 12);
  });

  it.each([
    {
      name: 'no paths',
      run: () => compilePlannerFromMs([], [], [], { encoding: 'int8', classes: 1 }),
    },
    {
      name: 'a duplicated exit',
      run: () =>
        compilePlannerFromMs([paths[0], paths[0]] as never, [], [], {
          encoding: 'int8',
          classes: 1,
        }),
    },
    {
      name: 'latencies that do not match the layers',
      run: () =>
        compilePlannerFromMs(paths, [[1], [1, 1, 1]], edgeMs, { encoding: 'int8', classes: 1 }),
    },
    {
      name: 'a negative latency',
      run: () =>
        compilePlannerFromMs(
          paths,
          [
            [1, -1],
            [1, 1, 1],
          ],
          edgeMs,
          { encoding: 'int8', classes: 1 },
        ),
    },
    {
      name: 'zero classes',
      run: () => compilePlannerFromMs(paths, deviceMs, edgeMs, { encoding: 'int8', classes: 0 }),
    },
    {
      name: 'an unknown encoding',
      run: () =>
        compilePlannerFromMs(paths, deviceMs, edgeMs, { encoding: 'bf16' as never, classes: 1 }),
    },
    {
      name: 'a NaN bandwidth',
      run: () => planner.plan({ bandwidthBps: Number.NaN, rttMs: 0, deadlineMs: 1 }),
    },
    {
      name: 'a negative RTT',
      run: () => planner.plan({ bandwidthBps: 1, rttMs: -1, deadlineMs: 1 }),
    },
  ])('rejects $name', ({ run }) => {
    expect(run).toThrow(expect.objectContaining({ code: 'EDGENT_ERR_BAD_PLAN_INPUT' }));
  });
});

describe('plan under an uncertain link (bandwidthLogSd > 0): expected effective accuracy', () => {
  it('normalCdf and meetProbability match known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.281552)).toBeCloseTo(0.1, 6);
    expect(studentT3Cdf(0)).toBeCloseTo(0.5, 12);
    expect(studentT3Cdf(3.182446)).toBeCloseTo(0.975, 6);
    expect(studentT3Cdf(-1.637744)).toBeCloseTo(0.1, 6);
    // 12 ms of compute and round trip, 24 ms of bytes at the estimate, 40 ms deadline: the rate may
    // fall to 24/28 of the estimate.
    expect(meetProbability(12, 24, 40, 0.2)).toBeCloseTo(studentT3Cdf(Math.log(28 / 24) / 0.2), 12);
    expect(meetProbability(40, 1, 40, 0.2)).toBe(0);
    expect(meetProbability(10, 0, 40, 0.2)).toBe(1);
  });

  it('trades the deeper exit for a certain one when its margin is thin for the spread', () => {
    // Exit 1 at partition 1 takes 36 ms of 40: P(met) = 0.75 at sd 0.2, so 0.9 x 0.75 < 0.8 for
    // exit 0 on the device (10 ms, certain).
    const risky = planner.plan({ ...at(40), bandwidthLogSd: 0.2 });
    expect([risky.exit, risky.partition, risky.feasible]).toEqual([0, 2, true]);
    // At sd 0.05, P(met) = 0.999: the deeper exit is worth it, and called feasible (P >= 0.95).
    const sure = planner.plan({ ...at(40), bandwidthLogSd: 0.05 });
    expect([sure.exit, sure.partition, sure.feasible]).toEqual([1, 1, true]);
    expect(sure.predicted.total).toBe(36);
    // sd 0 is the paper's search.
    expect(planner.plan({ ...at(40), bandwidthLogSd: 0 })).toEqual(planner.plan(at(40)));
  });

  it('calls a plan feasible only when it meets the deadline 19 times in 20; evaluate and candidates agree', () => {
    // t = ln(28/24) / 0.0656 = 2.350: P(met) just under 0.95 (t3's 95% point is 2.353).
    const input = { ...at(40), bandwidthLogSd: 0.0656 };
    expect(planner.evaluate(1, 1, input).feasible).toBe(false);
    expect(planner.evaluate(1, 1, { ...input, bandwidthLogSd: 0.065 }).feasible).toBe(true);
    const c = planner.candidates(input).find((p) => p.exit === 1 && p.partition === 1);
    expect(c?.feasible).toBe(false);
  });

  it('with equal expected accuracy takes the faster plan, as the paper does', () => {
    // At 1000 ms exit 1 meets it surely both at partition 1 (36 ms) and on the device (50 ms).
    const p = planner.plan({ ...at(1000), bandwidthLogSd: 0.2 });
    expect([p.exit, p.partition, p.feasible]).toEqual([1, 1, true]);
  });

  it('when nothing can meet the deadline, answers the fastest plan, infeasible', () => {
    const p = planner.plan({ ...at(5), bandwidthLogSd: 0.2 });
    expect(p.feasible).toBe(false);
    expect(p.predicted.total).toBe(10);
  });
});

describe('plan with calibrated latencies (deviceScale, edgeScale)', () => {
  it('multiplies each side by its scale, in the choice and in the breakdown', () => {
    // Device x2: exit 1 at partition 1 takes 20 + 24 + 2 = 46 ms > 40; exit 0 fits on the device (20).
    const p = planner.plan({ ...at(40), deviceScale: 2 });
    expect([p.exit, p.partition]).toEqual([0, 2]);
    expect(p.predicted).toEqual({ device: 20, upload: 0, edge: 0, download: 0, total: 20 });
    const e = planner.evaluate(1, 1, { ...at(40), deviceScale: 2, edgeScale: 3 });
    expect(e.predicted).toEqual({ device: 20, upload: 20, edge: 6, download: 4, total: 50 });
    expect(e.feasible).toBe(false);
    expect(planner.plan({ ...at(40), deviceScale: 1, edgeScale: 1 })).toEqual(planner.plan(at(40)));
  });

  it('refuses scales that are not finite numbers > 0', () => {
    expect(() => planner.plan({ ...at(40), edgeScale: 0 })).toThrow(/edgeScale 0/);
  });
});

describe('plan with an edge cost per request (edgeExtraMs)', () => {
  it('adds it to every plan that uses the edge, not to the device alone', () => {
    const e = planner.evaluate(1, 1, { ...at(1000), edgeExtraMs: 5 });
    expect(e.predicted).toEqual({ device: 10, upload: 20, edge: 7, download: 4, total: 41 });
    const d = planner.evaluate(1, 3, { ...at(1000), edgeExtraMs: 5 });
    expect(d.predicted.total).toBe(50);
    // At 40 ms exit 1 no longer fits at partition 1 (41 ms): exit 0 on the device (10 ms).
    const p = planner.plan({ ...at(40), edgeExtraMs: 5 });
    expect([p.exit, p.partition]).toEqual([0, 2]);
  });
});

describe('plan with a burst (burstBytes)', () => {
  it('charges only the bytes beyond the burst, split over both directions; a negative one adds an overhead', () => {
    // Exit 1 at partition 1 sends 20 bytes up and 4 down (1 ms a byte): 24 bytes, 12 of them free.
    const e = planner.evaluate(1, 1, { ...at(1000), burstBytes: 12 });
    expect(e.predicted).toEqual({ device: 10, upload: 10, edge: 2, download: 2, total: 24 });
    const o = planner.evaluate(1, 1, { ...at(1000), burstBytes: -24 });
    expect(o.predicted).toEqual({ device: 10, upload: 40, edge: 2, download: 8, total: 60 });
    // A burst larger than the exchange: nothing charged but the round trip.
    const all = planner.evaluate(1, 0, { ...at(1000, 6), burstBytes: 1e9 });
    expect(all.predicted.upload + all.predicted.download).toBe(6);
    // The search sees it too: at 30 ms exit 1 fits at partition 1 only with the burst (24 ms).
    const p = planner.plan({ ...at(30), burstBytes: 12 });
    expect([p.exit, p.partition, p.predicted.total]).toEqual([1, 1, 24]);
    expect(planner.plan({ ...at(30), burstBytes: 12, bandwidthLogSd: 0.1 })).toMatchObject({
      exit: 1,
      feasible: true,
    });
    expect(() => planner.plan({ ...at(30), burstBytes: Number.NaN })).toThrow(/burstBytes NaN/);
  });
});

describe('plan with a per-message overhead (transferExtraMs)', () => {
  it('charges it like the round trip, half each way, to plans that use the edge only', () => {
    const e = planner.evaluate(1, 1, { ...at(1000, 2), transferExtraMs: 4 });
    expect(e.predicted).toEqual({ device: 10, upload: 23, edge: 2, download: 7, total: 42 });
    expect(planner.evaluate(1, 3, { ...at(1000), transferExtraMs: 4 }).predicted.total).toBe(50);
    expect(() => planner.plan({ ...at(30), transferExtraMs: -1 })).toThrow(/transferExtraMs -1/);
  });
});

describe("plan with this frame's size (inputBytes)", () => {
  it('charges partition 0 with the frame as it crosses, and nothing else changes', () => {
    // Exit 1, partition 0: 100 raw bytes by default (107 ms); a 10-byte encoding takes 17 ms.
    expect(planner.evaluate(1, 0, at(1000)).predicted.total).toBe(107);
    const small = planner.evaluate(1, 0, { ...at(1000), inputBytes: 10 });
    expect(small.bytesUp).toBe(10);
    expect(small.predicted.total).toBe(17);
    expect(planner.evaluate(1, 1, { ...at(1000), inputBytes: 10 }).predicted.total).toBe(36);
    expect(planner.evaluate(1, 3, { ...at(1000), inputBytes: 10 }).bytesUp).toBe(0);
    // The search sees it: at 20 ms only the small frame makes edge-only the deepest plan in time.
    expect(planner.plan({ ...at(20), inputBytes: 10 })).toMatchObject({ exit: 1, partition: 0 });
    expect(planner.plan(at(20))).toMatchObject({ exit: 0, partition: 2 });
    // It applies to the request it is given only.
    expect(planner.evaluate(1, 0, at(1000)).bytesUp).toBe(100);
    expect(() => planner.plan({ ...at(20), inputBytes: -1 })).toThrow(/inputBytes -1/);
  });
});
