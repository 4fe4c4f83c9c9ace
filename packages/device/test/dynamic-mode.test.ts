import { inputTensor, runSlice } from '@edgent/model';
import { tf } from '@edgent/model/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { CoInference } from '../src/co-inference';
import { DEFAULT_MAP_DEADLINES_MS, DynamicMode, logStates } from '../src/dynamic-mode';
import { tinyModel } from './tiny-model';

const tiny = tinyModel([12, 12, 1], 'a', 1);
const { manifest, flat } = tiny;

let model: Awaited<ReturnType<typeof tiny.load>>;

beforeAll(async () => {
  model = await tiny.load();
});

function coInference() {
  const co = new CoInference({
    model,
    manifest,
    device: flat(20, 'slow device'),
    edge: flat(0.05, 'fast edge'),
    now: () => performance.now(),
  });
  /** The device's link samples, as LinkPolicy keeps them. */
  const samples: { seq: number; bps: number }[] = [];
  const source = {
    samplesSince: (seq: number) => samples.filter((x) => x.seq > seq),
    planAt: (bps: number, deadlineMs: number) => co.planAt(bps, deadlineMs),
  };
  /** Takes a link sample of `bps`. */
  const feed = (bps: number) => {
    samples.push({ seq: samples.length + 1, bps });
  };
  return { co, source, feed };
}

const image = Uint8Array.from({ length: 144 }, (_, i) => (i * 37) % 256);

describe('CoInference with a given plan', () => {
  it('plans at a given bandwidth: fast links go to the edge, slow ones stay on the device', () => {
    const { co } = coInference();
    // Before any RTT probe the planner assumes 50 ms; the device takes 20 ms a layer.
    const fast = co.planAt(1e9, 100);
    expect(fast).toMatchObject({ exit: 1, feasible: true });
    expect(fast.partition).toBeLessThan(co.paths[1]?.layers.length ?? 0);
    const slow = co.planAt(1e3, 20);
    expect(slow.partition).toBe(co.paths[slow.exit]?.layers.length);
  });

  it('runs the given plan when online, with the real tail on the edge', async () => {
    const { co } = coInference();
    co.setEdge((await tiny.connect(model)).client);
    const deviceOnly = co.planAt(1e3, 1e6);
    const split = { ...deviceOnly, exit: 1, partition: 3 };
    const r = await co.classify(image, 1000, { plan: split });
    expect(r.online).toBe(true);
    expect([r.plan.exit, r.plan.partition]).toEqual([1, 3]);
    const m = r.measured;
    expect(m.device + m.upload + m.edge + m.download).toBeCloseTo(m.total, 9);
    expect(m.edge).toBeCloseTo(0.3, 5);
    // Same answer as the whole path on the device.
    const x = inputTensor(model.spec, image);
    const whole = runSlice(model, 1, 0, co.paths[1]?.layers.length ?? 0, x);
    const expected = whole.dataSync() as Float32Array;
    tf.dispose([x, whole]);
    expect(r.label).toBe(expected.indexOf(Math.max(...expected)));
  });

  it('calibrates each side from what its answers measured, and plans with it', async () => {
    const { co } = coInference();
    co.setLatency({ edge: flat(0.01, 'an edge that profiled fast') });
    co.setEdge((await tiny.connect(model)).client);
    const split = { exit: 1, partition: 3 };
    const first = await co.classify(image, 1000, { plan: split });
    expect(first.input).toMatchObject({ deviceScale: 1, edgeExtraMs: 0 });
    for (let i = 0; i < 3; i++) await co.classify(image, 1000, { plan: split });
    // The fake edge reports 0.3 ms (as float32) for a tail the profile puts at 0.01 ms a layer.
    const predictedEdge = first.plan.predicted.edge;
    const edgeSide = co.calibration.side('edge');
    expect(edgeSide.samples).toBe(4);
    expect(edgeSide.median).toBeCloseTo(0.3 - predictedEdge, 5);
    const next = await co.classify(image, 1000, { plan: split });
    expect(next.input.edgeExtraMs).toBeCloseTo(co.calibration.edgeExtraMs(), 12);
    expect(next.plan.predicted.edge).toBeCloseTo(0.3, 5);
    expect(co.calibration.side('device').samples).toBe(5);
    expect(next.input.deviceScale).toBe(co.calibration.deviceScale());
  });

  it('answers from the best device-only plan, whatever was given, when offline', async () => {
    const { co } = coInference();
    const r = await co.classify(image, 1000, { plan: co.planAt(1e9, 1000) });
    expect(r.online).toBe(false);
    expect(r.plan).toEqual(r.baselines.exitOnly);
  });
});

describe('DynamicMode', () => {
  it('cuts log-spaced states with a representative inside each', () => {
    const s = logStates(1e4, 1e8, 6);
    expect(s.edgesBps).toHaveLength(5);
    expect(s.edgesBps[0]).toBeCloseTo(1e4);
    expect(s.edgesBps[4]).toBeCloseTo(1e8);
    s.representativeBps.forEach((r, i) => {
      if (i > 0) expect(r).toBeGreaterThan(s.edgesBps[i - 1] as number);
      if (i < 5) expect(r).toBeLessThan(s.edgesBps[i] as number);
    });
    expect(() => logStates(0, 1, 4)).toThrow(/lowBps/);
  });

  it('fills the map from the planner and switches plans only when the link changes', () => {
    const { co, source, feed } = coInference();
    const dyn = new DynamicMode(source, { deadlineMs: 100 });
    // The default grid has 94 and 104 ms; the deadline in force gets its own entries.
    expect(DEFAULT_MAP_DEADLINES_MS).not.toContain(100);
    expect(dyn.configMap.deadlinesMs).toContain(100);
    expect(dyn.configMap.plans).toHaveLength(24 * (DEFAULT_MAP_DEADLINES_MS.length + 1));
    dyn.setDeadline(123);
    expect(dyn.configMap.deadlinesMs).toContain(123);
    dyn.setDeadline(100);
    expect(dyn.observe()).toBeUndefined();
    for (const bps of [5e6, 6e6, 4.5e6, 5.5e6, 5e6, 5.2e6]) {
      feed(bps);
      dyn.observe();
    }
    const fastPlan = dyn.plan;
    expect(fastPlan?.partition).toBeLessThan(co.paths[fastPlan?.exit ?? 0]?.layers.length ?? 0);
    expect(dyn.changes).toBe(0);
    for (let i = 0; i < 12; i++) {
      feed(2e4 * (1 + 0.05 * (i % 3)));
      dyn.observe();
    }
    expect(dyn.changes).toBeGreaterThanOrEqual(1);
    expect(dyn.segmentBps).toBeLessThan(1e5);
    // At 20 kbit/s the input takes longer to send than the early exit takes on the device.
    const slow = dyn.plan;
    expect(slow?.partition).toBe(co.paths[slow?.exit ?? 0]?.layers.length);
    expect(dyn.switches).toBeGreaterThanOrEqual(1);
  });

  it('feeds each sample once, however often it is asked; refilling the map keeps the segment', () => {
    const { source, feed } = coInference();
    const dyn = new DynamicMode(source, { deadlineMs: 100 });
    for (const bps of [5e6, 5.2e6, 4.9e6]) feed(bps);
    dyn.observe();
    dyn.observe();
    for (let i = 0; i < 3; i++) {
      feed(2e4);
      dyn.observe();
      dyn.observe();
    }
    expect(dyn.changes).toBe(1);
    const segment = dyn.segmentBps;
    expect(segment).toBeCloseTo(2e4, -2);
    dyn.rebuild();
    expect(dyn.segmentBps).toBe(segment);
    expect(dyn.changes).toBe(1);
    expect(dyn.plan).toBeDefined();
  });

  it('re-reads the map when the deadline changes', () => {
    const { source, feed } = coInference();
    const dyn = new DynamicMode(source, { deadlineMs: 1 });
    feed(1e4);
    dyn.observe();
    const tight = dyn.plan;
    dyn.setDeadline(5000);
    expect(dyn.plan?.exit).toBe(1);
    expect(dyn.plan?.feasible).toBe(true);
    expect(tight?.feasible).toBe(false);
  });
});
