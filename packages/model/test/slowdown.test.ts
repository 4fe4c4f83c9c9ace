/**
 * Device emulation: a slowed call waits (N - 1) times its own duration, in
 * timed profiling too; the real backend's slowed head measures about N times
 * the unslowed one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeviceSlowdown,
  disposeModel,
  initialWeights,
  type MultiExitModel,
  modelFromWeights,
  runSlice,
  seededRng,
  type TimedJob,
  tf,
  timeJobs,
  tinyMultiExit,
  useBackend,
} from '../src/node';

describe('DeviceSlowdown', () => {
  it('waits (N - 1) times what the call took, on its own clock', () => {
    let t = 0;
    const slow = new DeviceSlowdown(4, () => (t += 0.25));
    const start = slow.now(); // 0.25
    t += 2; // the call: 2 ms
    const waited = slow.stretch(start);
    // The call ended at 2.5 (2.25 after start), so it waits until 0.25 + 4 x 2.25 = 9.25.
    expect(t).toBe(9.25);
    expect(waited).toBeCloseTo(3 * 2.25, 9);
    expect(new DeviceSlowdown(1, () => (t += 1)).stretch(0)).toBe(0);
  });

  it.each([0, 0.5, Number.NaN, 257])('refuses factor %s', (f) => {
    expect(() => new DeviceSlowdown(f, () => 0)).toThrow(/from 1 to 256/);
  });
});

describe('timed profiling of a slowed device', () => {
  beforeAll(() => useBackend('cpu'));

  it('stretches every timed call: a 2 ms call samples as 8 ms at x4', async () => {
    let clock = 0;
    const now = () => (clock += 1e-3);
    const kept = tf.zeros([1]);
    const job: TimedJob = {
      run: () => {
        clock += 2;
        return kept;
      },
      keep: kept,
    };
    const slowdown = new DeviceSlowdown(4, now);
    const [t] = await timeJobs([job], { warmup: 0, runs: 3, minSampleMs: 0, now, slowdown });
    expect(t?.min).toBeCloseTo(8, 1);
    const [plain] = await timeJobs([job], { warmup: 0, runs: 3, minSampleMs: 0, now });
    expect(plain?.min).toBeCloseTo(2, 1);
    kept.dispose();
  });
});

describe('a slowed head on the real backend (cpu)', () => {
  let model: MultiExitModel;
  beforeAll(async () => {
    await useBackend('cpu');
    const spec = tinyMultiExit(3, [16, 16, 1]);
    model = modelFromWeights(spec, initialWeights(spec, seededRng(3)));
  });
  afterAll(() => disposeModel(model));

  it('measures about N times the unslowed one (x8: between x4 and x16, the machine swings 2x)', async () => {
    const x = tf.randomUniform([1, 16, 16, 1]);
    const now = () => performance.now();
    const job: TimedJob = { run: () => runSlice(model, 1, 0, 3, x), keep: x };
    // Interleaved: each round times the unslowed head, then the slowed one.
    const plain: number[] = [];
    const slowed: number[] = [];
    const slowdown = new DeviceSlowdown(8, now);
    for (let round = 0; round < 7; round++) {
      const [a] = await timeJobs([job], { warmup: 1, runs: 1, now });
      const [b] = await timeJobs([job], { warmup: 0, runs: 1, now, slowdown });
      plain.push(a?.min ?? Number.NaN);
      slowed.push(b?.min ?? Number.NaN);
    }
    const ratio = Math.min(...slowed) / Math.min(...plain);
    expect(ratio).toBeGreaterThan(4);
    expect(ratio).toBeLessThan(16);
    x.dispose();
  });
});
