import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeModel,
  disposeModel,
  initialWeights,
  type MultiExitModel,
  modelFromWeights,
  profileDevice,
  seededRng,
  type TimedJob,
  tf,
  timeJobs,
  tinyMultiExit,
  useBackend,
} from '../src/node';

describe('timeJobs', () => {
  beforeAll(() => useBackend('cpu'));

  // A fake clock that each job's call advances by a scripted number of milliseconds.
  function scripted(costs: number[][]) {
    let clock = 0;
    const calls: number[] = [];
    const counters = costs.map(() => 0);
    const kept = tf.zeros([2]);
    const jobs: TimedJob[] = costs.map((script, j) => ({
      run: () => {
        calls.push(j);
        const c = counters[j] ?? 0;
        counters[j] = c + 1;
        clock += script[c % script.length] as number;
        return j === 0 ? kept : tf.zeros([1]);
      },
      ...(j === 0 ? { keep: kept } : {}),
    }));
    return { jobs, calls, kept, now: () => clock };
  }

  it('interleaves rounds, drops warm-up, keeps the fastest and the median round', async () => {
    const { jobs, calls, kept, now } = scripted([
      [9, 2, 4, 3],
      [5, 1, 1, 7],
    ]);
    const before = tf.memory().numTensors;
    const rounds: number[] = [];
    const t = await timeJobs(jobs, {
      warmup: 1,
      runs: 3,
      minSampleMs: 0,
      now,
      onProgress: (done) => {
        rounds.push(done);
      },
    });
    // One call per sample (minSampleMs 0); rounds alternate the jobs.
    expect(calls).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(rounds).toEqual([1, 2, 3, 4]);
    expect(t[0]).toEqual({ min: 2, median: 3 });
    expect(t[1]).toEqual({ min: 1, median: 1 });
    // The kept tensor survives; every other result was disposed.
    expect(kept.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('averages the calls of one sample until it lasts minSampleMs', async () => {
    const { jobs, now } = scripted([[0.25]]);
    const t = await timeJobs(jobs.slice(0, 1), { warmup: 0, runs: 2, minSampleMs: 1, now });
    expect(t[0]).toEqual({ min: 0.25, median: 0.25 });
  });

  it('refuses zero timed rounds', async () => {
    await expect(timeJobs([], { warmup: 0, runs: 0, now: () => 0 })).rejects.toThrow(
      /runs must be >= 1/,
    );
  });
});

describe('profileDevice on a tiny model (cpu)', () => {
  let model: MultiExitModel;
  beforeAll(async () => {
    await useBackend('cpu');
    const spec = tinyMultiExit();
    model = modelFromWeights(spec, initialWeights(spec, seededRng(3)));
  });
  afterAll(() => disposeModel(model));

  it('times every slice, fits every variant, reports them, and uses the best on slices', async () => {
    const before = tf.memory().numTensors;
    const phases = new Set<string>();
    const profile = await profileDevice(model, {
      backend: 'cpu',
      device: 'test',
      perKind: 8,
      seed: 1,
      warmup: 0,
      runs: 3,
      minSampleMs: 0.2,
      now: () => performance.now(),
      onPhase: (phase) => {
        phases.add(phase);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect([...phases]).toEqual(['layers', 'model']);
    const paths = describeModel(model.spec);
    // Heads [0, p) for p = 1..n and tails [p, n) for p = 1..n-1: the whole path once.
    const expected = paths.flatMap((p) => {
      const n = p.layers.length;
      return [
        ...Array.from({ length: n }, (_, i) => `${p.exit}:0-${i + 1}`),
        ...Array.from({ length: n - 1 }, (_, i) => `${p.exit}:${i + 1}-${n}`),
      ];
    });
    const got = profile.samples.model.slices.map((s) => `${s.exit}:${s.from}-${s.to}`);
    expect(got.sort()).toEqual(expected.sort());
    for (const s of profile.samples.model.slices) expect(s.min).toBeLessThanOrEqual(s.median);
    // Each distinct layer timed once in place; the layer-calibrated variant predicts each by it.
    const names = new Set(paths.flatMap((p) => p.layers.map((l) => l.name)));
    expect(profile.samples.model.layers.map((l) => l.layer.name).sort()).toEqual([...names].sort());
    const calibrated = profile.variants['product+call+layer-calibration'].model;
    expect(Object.keys(calibrated.layerMs ?? {}).sort()).toEqual([...names].sort());
    // A quarter of the configurations held out, and every variant reported on the same sets.
    expect(profile.samples.layers.filter((l) => l.heldout)).toHaveLength((6 * 8) / 4);
    for (const v of Object.values(profile.variants)) {
      expect(v.heldoutLayers.n).toBe(12);
      expect(v.slices.n).toBe(expected.length);
    }
    const chosen = profile.variants[profile.chosen];
    for (const v of Object.values(profile.variants)) {
      expect(chosen.slices.within10).toBeGreaterThanOrEqual(v.slices.within10);
    }
    expect(profile.latency).toEqual(chosen.model);
    expect(profile.otherStatistic.statistic).toBe('median');
    expect(profile.timing).toMatchObject({ runs: 3, warmup: 0, statistic: 'min' });
  });
});
