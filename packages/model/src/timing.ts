import type * as tf from '@tensorflow/tfjs-core';
import type { DeviceSlowdown } from './slowdown';

/**
 * Timing of many small tfjs calls on a shared, noisy machine. Each job is
 * sampled as the mean of back-to-back calls over at least `minSampleMs`
 * (layers take microseconds, finer than a browser's clock), and the jobs
 * are interleaved: every round samples every job once, so a slow spell of
 * the machine touches one sample of many jobs instead of every sample of
 * one. The same code runs in Node and in the browser (the clock is passed in).
 */

/** How to time: `warmup` untimed rounds, then `runs` timed rounds; `now()` in milliseconds. */
export interface TimingOptions {
  warmup: number;
  runs: number;
  now: () => number;
  /** Shortest sample, ms; calls repeat until it has passed. Default 1. */
  minSampleMs?: number;
  /** Called after each round; `await`ed, so a page can yield to render a progress bar. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Device emulation: each call is stretched to this many times its duration (see slowdown.ts). */
  slowdown?: DeviceSlowdown;
}

/** One thing to time: a call that returns a tensor, read back before the clock stops. */
export interface TimedJob {
  run: () => tf.Tensor;
  /** A tensor `run` may hand back that it does not own (e.g. its input); never disposed. */
  keep?: tf.Tensor;
}

/** A job's times over the timed rounds, ms per call. */
export interface Timing {
  /** Fastest round: the estimate least disturbed by the rest of the machine. */
  min: number;
  median: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function sample(job: TimedJob, opts: TimingOptions): Promise<number> {
  const minMs = opts.minSampleMs ?? 1;
  const t0 = opts.now();
  let calls = 0;
  let t = t0;
  do {
    const start = opts.now();
    const y = job.run();
    await y.data();
    if (y !== job.keep) y.dispose();
    opts.slowdown?.stretch(start);
    calls++;
    t = opts.now();
  } while (t - t0 < minMs);
  return (t - t0) / calls;
}

/** Times every job over interleaved rounds (see the module comment). */
export async function timeJobs(jobs: readonly TimedJob[], opts: TimingOptions): Promise<Timing[]> {
  if (!(opts.runs >= 1)) throw new RangeError(`runs must be >= 1, got ${opts.runs}`);
  const rounds = opts.warmup + opts.runs;
  const times: number[][] = jobs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, job] of jobs.entries()) {
      const ms = await sample(job, opts);
      if (r >= opts.warmup) times[i]?.push(ms);
    }
    await opts.onProgress?.(r + 1, rounds);
  }
  return times.map((xs) => ({ min: Math.min(...xs), median: median(xs) }));
}
