import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBandwidthEstimator } from '../src/bandwidth/estimator';
import { rateAt, transferSeconds } from '../src/bandwidth/trace';
import { haveTraces, median, readTrace, seededNormal, seededRng, TRACE_DIR } from './helpers';

/** A transfer of `bytes` at `bps` with `computeMs` of reported edge time and lognormal noise. */
function transfer(bytes: number, bps: number, computeMs: number, noise: number) {
  const wireMs = ((bytes * 8) / bps) * 1000 * Math.exp(noise);
  return { bytes, elapsedMs: wireMs + computeMs, edgeComputeMs: computeMs };
}

const relErr = (est: number, truth: number) => Math.abs(est - truth) / truth;

describe('createBandwidthEstimator', () => {
  it('turns one transfer into bit/s, subtracting edge compute and a given RTT share', () => {
    const est = createBandwidthEstimator();
    expect(est.estimate()).toBeUndefined();
    expect(
      est.observe({ bytes: 125_000, elapsedMs: 1_050, edgeComputeMs: 30, rttMs: 20, atMs: 0 }),
    ).toBeCloseTo(1e6, 6);
    expect(est.estimate()).toEqual({ bps: expect.closeTo(1e6, 3), samples: 1, logSpread: 0 });
  });

  it('ignores non-positive and tiny transfer times and non-positive bytes; caps absurd values', () => {
    const est = createBandwidthEstimator({ maxBps: 1e9 });
    expect(est.observe({ bytes: 1000, elapsedMs: 10, edgeComputeMs: 12, atMs: 0 })).toBeUndefined();
    expect(
      est.observe({ bytes: 1000, elapsedMs: 10, edgeComputeMs: 9.5, atMs: 0 }),
    ).toBeUndefined();
    expect(est.observe({ bytes: 0, elapsedMs: 10, atMs: 0 })).toBeUndefined();
    expect(est.observe({ bytes: 1000, elapsedMs: Number.NaN, atMs: 0 })).toBeUndefined();
    expect(est.estimate()).toBeUndefined();
    expect(est.observe({ bytes: 1e9, elapsedMs: 2, atMs: 0 })).toBe(1e9);
  });

  it('estimates RTT from probes (median) and can subtract it from transfers', () => {
    const est = createBandwidthEstimator({ useRttEstimate: true });
    for (const ms of [40, 41, 39, 400, -1, 40]) est.observeRtt(ms);
    est.observe({ bytes: 125_000, elapsedMs: 1_040, atMs: 0 });
    const e = est.estimate();
    // The window keeps the last 5 accepted probes: 40, 41, 39, 400, 40.
    expect(e?.rttMs).toBe(40);
    expect(e?.bps).toBeCloseTo(1e6, 3);
  });

  // The window's breakdown point: up to 3 outliers in any 7 consecutive samples.
  it('lands within 10% of a known rate after 5 samples despite injected 10x and 0.1x outliers', () => {
    const rate = 2e6;
    const noise = seededNormal(7);
    const u = seededRng(8);
    const est = createBandwidthEstimator();
    const errors: number[] = [];
    const isOutlier: boolean[] = [];
    for (let i = 0; i < 300; i++) {
      let n = 0.05 * noise();
      // 15% outliers, at random, in both directions, at most 3 in any 7.
      const recent = isOutlier.slice(-6).filter(Boolean).length;
      isOutlier.push(u() < 0.15 && recent < 3);
      if (isOutlier[i]) n += u() < 0.5 ? Math.log(10) : -Math.log(10);
      est.observe({ ...transfer(30_000, rate, 5 + 20 * u(), n), atMs: i * 500 });
      if (i >= 4) errors.push(relErr(est.estimate()?.bps as number, rate));
    }
    expect(isOutlier.filter(Boolean).length).toBeGreaterThan(30);
    expect(Math.max(...errors)).toBeLessThan(0.1);
    expect(median(errors)).toBeLessThan(0.03);
  });

  it('follows a step change within 4 samples (window 7)', () => {
    const noise = seededNormal(3);
    const est = createBandwidthEstimator();
    const rates = [1e6, 4e6, 0.3e6, 2e6];
    const delays: number[] = [];
    let i = 0;
    for (const rate of rates) {
      let delay = -1;
      for (let j = 0; j < 40; j++, i++) {
        est.observe({ ...transfer(20_000, rate, 10, 0.05 * noise()), atMs: i * 500 });
        const e = est.estimate()?.bps as number;
        if (delay < 0 && relErr(e, rate) < 0.15) delay = j + 1;
        if (delay > 0 && j >= delay + 1) expect(relErr(e, rate)).toBeLessThan(0.15);
      }
      delays.push(delay);
    }
    // Samples of the new rate until the estimate is within 15%: ceil(7 / 2) = 4 at most.
    expect(delays[0]).toBe(1);
    for (const d of delays) expect(d).toBeGreaterThan(0);
    for (const d of delays) expect(d).toBeLessThanOrEqual(4);
  });

  it('drops samples older than maxAgeMs before the newest', () => {
    const est = createBandwidthEstimator({ maxAgeMs: 1_000 });
    for (let i = 0; i < 5; i++) est.observe({ bytes: 1e5, elapsedMs: 800, atMs: i * 100 });
    est.observe({ bytes: 1e5, elapsedMs: 200, atMs: 5_000 });
    expect(est.estimate()).toEqual({ bps: expect.closeTo(4e6, 3), samples: 1, logSpread: 0 });
  });

  it.each([
    [{ window: 0 }, /window must be a whole number >= 1, got 0/],
    [{ maxAgeMs: -5 }, /maxAgeMs must be a finite number > 0, got -5/],
    [{ minBps: 10, maxBps: 5 }, /maxBps must exceed minBps/],
  ])('rejects bad option %j', (opts, message) => {
    expect(() => createBandwidthEstimator(opts)).toThrow(message);
  });
});

describe('replaying real traces (shipped in traces/)', () => {
  // Every 0.5 s the device sends a 20 kB request and gets 1 kB back over the
  // traced link; the edge reports 5-25 ms of compute, added to the elapsed time.
  // Truth is the trace's rate at the moment the estimate is read.
  const files = haveTraces
    ? readdirSync(TRACE_DIR)
        .filter((f) => f.endsWith('.tsv'))
        .sort()
        .filter((_, i) => i % 6 === 0)
    : [];
  const perTrace: { file: string; medianErr: number }[] = [];
  for (const file of files) {
    const trace = readTrace(file);
    const u = seededRng(file.length);
    const est = createBandwidthEstimator();
    const errors: number[] = [];
    const end = trace.t[trace.t.length - 1] as number;
    for (let s = 0; s < end; s += 0.5) {
      const bytes = 21_000;
      const wireMs = transferSeconds(trace, s, bytes) * 1000;
      const computeMs = 5 + 20 * u();
      est.observe({
        bytes,
        elapsedMs: wireMs + computeMs,
        edgeComputeMs: computeMs,
        atMs: s * 1000,
      });
      errors.push(relErr(est.estimate()?.bps as number, rateAt(trace, s) * 1e6));
    }
    perTrace.push({ file, medianErr: median(errors) });
  }
  const overall = perTrace.length ? median(perTrace.map((p) => p.medianErr)) : Number.NaN;

  const worst = perTrace.length ? Math.max(...perTrace.map((p) => p.medianErr)) : Number.NaN;
  it(`median abs error vs trace truth: ${(overall * 100).toFixed(1)}% (median over ${perTrace.length} traces), worst trace ${(worst * 100).toFixed(1)}% (bound 25%)`, () => {
    expect(perTrace.length).toBeGreaterThan(5);
    for (const p of perTrace) expect(p.medianErr, p.file).toBeLessThan(0.25);
    expect(overall).toBeLessThan(0.15);
  });
});
