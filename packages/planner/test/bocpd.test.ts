import { describe, expect, it } from 'vitest';
import { createBocpd, lgamma } from '../src/changepoint/bocpd';
import { seededNormal, seededRng } from './helpers';

/** Piecewise-constant log bandwidth with Normal noise; returns the samples and true change indices. */
function piecewise(levelsMbps: number[], lengths: number[], sd: number, seed: number) {
  const noise = seededNormal(seed);
  const xs: number[] = [];
  const changes: number[] = [];
  levelsMbps.forEach((level, i) => {
    if (i > 0) changes.push(xs.length);
    for (let j = 0; j < (lengths[i] as number); j++) xs.push(Math.log(level * 1e6) + sd * noise());
  });
  return { xs, changes };
}

/** Runs a detector; matches each true change to the first alarm within `bound` samples after it. */
function score(xs: number[], changes: number[], bound: number) {
  const det = createBocpd();
  const alarms: number[] = [];
  xs.forEach((x, i) => {
    if (det.update(x).changed) alarms.push(i);
  });
  const delays = changes.map((c) => {
    const hit = alarms.find((a) => a >= c && a <= c + bound);
    return hit === undefined ? Number.POSITIVE_INFINITY : hit - c;
  });
  const falseAlarms = alarms.filter((a) => !changes.some((c) => a >= c && a <= c + bound)).length;
  return { alarms, delays, falseAlarms };
}

const levels = [2, 0.5, 1.2, 3, 1.5, 0.8, 0.25];
const lengths = [80, 60, 100, 70, 90, 80, 120];

describe('createBocpd on synthetic piecewise-constant series', () => {
  // Delay: samples after the first new-level sample until the alarm (minRun 2 makes it >= 1).
  const cases = [
    [0.05, 1],
    [0.1, 2],
    [0.1, 3],
    [0.2, 4],
    [0.2, 5],
    [0.3, 6],
  ].map(([sd, seed]) => {
    const { xs, changes } = piecewise(levels, lengths, sd as number, seed as number);
    return { sd, seed, changes, ...score(xs, changes, 10) };
  });
  for (const c of cases) {
    it(`sd ${c.sd} (log units), seed ${c.seed}: delays [${c.delays.join(', ')}], ${c.falseAlarms} false alarms (bounds: <= 10, <= 1)`, () => {
      expect(c.changes).toHaveLength(6);
      for (const d of c.delays) expect(d).toBeLessThanOrEqual(10);
      expect(c.falseAlarms).toBeLessThanOrEqual(1);
    });
  }

  it('detects clear changes (>= 5 sd) within 3 samples', () => {
    for (const c of cases.filter((k) => (k.sd as number) <= 0.1)) {
      expect(Math.max(...c.delays)).toBeLessThanOrEqual(3);
    }
  });

  it('reports the change position and the new segment mean', () => {
    const { xs } = piecewise([2, 0.5], [100, 30], 0.05, 9);
    const det = createBocpd();
    let reported = -1;
    xs.forEach((x, i) => {
      if (det.update(x).changed && reported < 0) reported = i;
    });
    expect(reported).toBe(101);
    expect(det.lastChangeAt).toBe(100);
    expect(Math.exp(det.currentSegmentMean() as number) / 0.5e6).toBeCloseTo(1, 1);
  });

  const quiet = [1, 2, 3].flatMap((seed) =>
    [0.05, 0.1].map((sd) => {
      const noise = seededNormal(seed);
      const u = seededRng(seed + 100);
      const det = createBocpd();
      let alarms = 0;
      for (let i = 0; i < 1000; i++) {
        let x = Math.log(1.5e6) + sd * noise();
        if (u() < 0.03) x += (u() < 0.5 ? -1 : 1) * 1.5;
        if (det.update(x).changed) alarms++;
      }
      return { seed, sd, alarms };
    }),
  );
  for (const q of quiet) {
    it(`no change, 1000 samples, sd ${q.sd}, 3% 4.5x outliers, seed ${q.seed}: ${q.alarms} alarms (<= 2)`, () => {
      expect(q.alarms).toBeLessThanOrEqual(2);
    });
  }

  // One step of `factor` after 100 samples at 1 Mbit/s, noise sd (log units), 3 seeds each.
  const steps = [2, 4, 10, 100, 1000, 10_000]
    .flatMap((f) => [f, 1 / f])
    .flatMap((factor) =>
      [0.1, 0.2].map((sd) => {
        const runs = [1, 2, 3].map((seed) => {
          const noise = seededNormal(seed);
          const det = createBocpd();
          let delay = Number.POSITIVE_INFINITY;
          let falseAlarms = 0;
          let meanError = Number.NaN;
          for (let i = 0; i < 140; i++) {
            const x = Math.log(1e6 * (i >= 100 ? factor : 1)) + sd * noise();
            if (det.update(x).changed) {
              if (i < 100) falseAlarms++;
              else if (delay === Number.POSITIVE_INFINITY) delay = i - 100;
            }
            if (i === 105)
              meanError = Math.exp(det.currentSegmentMean() as number) / (1e6 * factor) - 1;
          }
          return { delay, falseAlarms, meanError };
        });
        return {
          factor,
          sd,
          delay: Math.max(...runs.map((r) => r.delay)),
          falseAlarms: runs.reduce((a, r) => a + r.falseAlarms, 0),
          meanError: Math.max(...runs.map((r) => Math.abs(r.meanError))),
        };
      }),
    );
  const label = (f: number) => (f >= 1 ? `${f}x up` : `${Math.round(1 / f)}x down`);
  for (const c of steps) {
    // Delay: samples after the first at the new level (0: that sample raised the alarm).
    const large = Math.abs(Math.log(c.factor)) >= 6 * c.sd;
    it(`step ${label(c.factor)}, sd ${c.sd}: delay ${c.delay} samples (worst of 3 seeds), segment mean off ${(100 * c.meanError).toFixed(1)}% 6 samples in, ${c.falseAlarms} false alarms before it${large ? ' (bounds: delay <= 2, i.e. within 3 samples; mean within 15%)' : ''}`, () => {
      expect(c.falseAlarms).toBe(0);
      if (large) {
        expect(c.delay).toBeLessThanOrEqual(2);
        expect(c.meanError).toBeLessThan(0.15);
      }
    });
  }

  it('without the outlier component (plain Adams & MacKay) the same outliers raise many alarms', () => {
    const noise = seededNormal(1);
    const u = seededRng(101);
    const det = createBocpd({ outlierProb: 0 });
    let alarms = 0;
    for (let i = 0; i < 1000; i++) {
      let x = Math.log(1.5e6) + 0.1 * noise();
      if (u() < 0.03) x += (u() < 0.5 ? -1 : 1) * 1.5;
      if (det.update(x).changed) alarms++;
    }
    expect(alarms).toBeGreaterThan(10);
  });

  it('keeps a normalised run-length distribution no longer than maxRunLength', () => {
    const det = createBocpd({ maxRunLength: 50 });
    const { xs } = piecewise([1, 3], [200, 100], 0.1, 4);
    let changes = 0;
    for (const x of xs) {
      const r = det.update(x);
      if (r.changed) changes++;
      const dist = det.runLengthDistribution();
      expect(dist.length).toBeLessThanOrEqual(50);
      expect(dist.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(r.runLength).toBeLessThan(50);
    }
    expect(changes).toBe(1);
    expect(det.samples).toBe(300);
    det.reset();
    expect(det.samples).toBe(0);
    expect(det.currentSegmentMean()).toBeUndefined();
  });

  it('rejects bad options and non-finite samples, naming them', () => {
    expect(() => createBocpd({ lambda: 1 })).toThrow(/lambda must be a number > 1, got 1/);
    expect(() => createBocpd({ threshold: 1.5 })).toThrow(/threshold must be a number in \(0, 1\)/);
    expect(() => createBocpd({ maxRecentRun: 400 })).toThrow(
      /maxRecentRun must be a whole number < maxRunLength 300/,
    );
    expect(() => createBocpd().update(Number.NaN)).toThrow(/finite number, got NaN/);
  });

  it('lgamma matches known values', () => {
    expect(lgamma(1)).toBeCloseTo(0, 12);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 10);
    // Reference values from Python's math.lgamma.
    expect(lgamma(150.5)).toBeCloseTo(602.5139548705855, 9);
    expect(lgamma(0.3)).toBeCloseTo(1.0957979948180752, 12);
    expect(lgamma(3.7)).toBeCloseTo(1.4280723266653883, 12);
  });
});
