/**
 * Bandwidth estimation from the transfers co-inference makes anyway, plus idle
 * probes (docs/planner.md, "Uncertainty and calibration"). A transfer of `bytes` whose round trip took
 * `elapsedMs`, of which the edge reports `edgeComputeMs` computing and
 * queueing, spent `elapsedMs - edgeComputeMs - rtt share` on the wire; its
 * sample is `8 * bytes / transfer time` in bit/s.
 *
 * The estimate is a Hampel-filtered mean of a sliding window, in log space:
 * take the last `window` samples (no older than `maxAgeMs` before the newest),
 * their median m and median absolute deviation MAD of log(bit/s); drop samples
 * further than `hampelK * 1.4826 * MAD` from m; return exp(mean of the rest).
 * The median gives robustness (up to half the window can be outliers) and a
 * step response of ceil(window / 2) samples; averaging the inliers removes
 * most of the median's extra noise. Log space because link noise is
 * multiplicative and a 10x outlier should weigh as much as a 1/10x one.
 */
import { PlannerError } from '../errors';

/** One observed transfer (or idle probe). */
export interface TransferObservation {
  /** Bytes that crossed the link in this exchange (up plus down). */
  bytes: number;
  /** Wall time from the first byte sent to the last byte received, ms. */
  elapsedMs: number;
  /** Compute and queue time the edge reported for this exchange, ms (0 when absent). */
  edgeComputeMs?: number;
  /** Known propagation share of `elapsedMs` to subtract, ms; else the RTT estimate if `useRttEstimate`. */
  rttMs?: number;
  /** When the exchange ended, ms on the caller's clock. */
  atMs: number;
}

/** The current estimate. */
export interface BandwidthEstimate {
  /** Estimated link rate, bit/s. */
  bps: number;
  /** Samples in the window that the estimate was computed from (inliers and outliers). */
  samples: number;
  /** Median of the recent RTT probes, ms, when any were observed. */
  rttMs?: number;
  /**
   * How much the window's samples spread: 1.4826 x their median absolute
   * deviation in natural-log units (a robust standard deviation of log bit/s);
   * 0 with fewer than 3 samples.
   */
  logSpread: number;
}

/** Options of `createBandwidthEstimator`; every field has a default. */
export interface BandwidthEstimatorOptions {
  /** Samples kept (default 7). */
  window?: number;
  /** Samples older than this before the newest one are ignored, ms (default 10 000). */
  maxAgeMs?: number;
  /** Hampel threshold in robust standard deviations (default 2.5). */
  hampelK?: number;
  /** Transfers shorter than this on the wire are ignored, ms (default 1). */
  minTransferMs?: number;
  /** Samples are clamped to [minBps, maxBps] (defaults 1 kbit/s and 10 Gbit/s). */
  minBps?: number;
  maxBps?: number;
  /** Subtract the RTT estimate from transfers that carry no `rttMs` (default false). */
  useRttEstimate?: boolean;
  /** RTT probes kept (default 5). */
  rttWindow?: number;
}

/** A bandwidth estimator; create with `createBandwidthEstimator`. */
export interface BandwidthEstimator {
  /** Adds a transfer; returns its sample in bit/s, or undefined when ignored (bad or too short). */
  observe(obs: TransferObservation): number | undefined;
  /** Adds an RTT probe in ms; non-positive or non-finite values are ignored. */
  observeRtt(ms: number): void;
  /** Median of the recent RTT probes, ms, or undefined before any. */
  rtt(): number | undefined;
  /** How much the recent RTT probes spread: 1.4826 x their median absolute deviation, ms; 0 with fewer than 3. */
  rttJitter(): number;
  /** The current estimate, or undefined before any accepted sample. */
  estimate(): BandwidthEstimate | undefined;
  /** Forgets every sample. */
  reset(): void;
}

/**
 * Creates a bandwidth estimator (see the module comment for the method).
 *
 * @example
 * const est = createBandwidthEstimator();
 * est.observe({ bytes: 125_000, elapsedMs: 1_020, edgeComputeMs: 20, atMs: 5_000 });
 * est.estimate(); // { bps: 1_000_000, samples: 1 }
 */
export function createBandwidthEstimator(opts: BandwidthEstimatorOptions = {}): BandwidthEstimator {
  const window = positiveInt('window', opts.window ?? 7);
  const rttWindow = positiveInt('rttWindow', opts.rttWindow ?? 5);
  const maxAgeMs = positive('maxAgeMs', opts.maxAgeMs ?? 10_000);
  const hampelK = positive('hampelK', opts.hampelK ?? 2.5);
  const minTransferMs = positive('minTransferMs', opts.minTransferMs ?? 1);
  const minBps = positive('minBps', opts.minBps ?? 1e3);
  const maxBps = positive('maxBps', opts.maxBps ?? 1e10);
  if (maxBps <= minBps) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_OPTION',
      `maxBps must exceed minBps, got maxBps ${maxBps} and minBps ${minBps}`,
    );
  }
  const useRttEstimate = opts.useRttEstimate ?? false;

  // Ring buffers: log(bit/s) and time of each sample; RTT probes.
  const logs = new Float64Array(window);
  const times = new Float64Array(window);
  const rtts = new Float64Array(rttWindow);
  const scratch = new Float64Array(window);
  const scratchRtt = new Float64Array(rttWindow);
  let count = 0;
  let next = 0;
  let newest = Number.NEGATIVE_INFINITY;
  let rttCount = 0;
  let rttNext = 0;

  function rttEstimate(): number | undefined {
    if (rttCount === 0) return undefined;
    const xs = scratchRtt.subarray(0, rttCount);
    xs.set(rtts.subarray(0, rttCount));
    return medianInPlace(xs);
  }

  return {
    observe(obs) {
      const { bytes, elapsedMs, atMs } = obs;
      const compute = obs.edgeComputeMs ?? 0;
      const rtt = obs.rttMs ?? (useRttEstimate ? (rttEstimate() ?? 0) : 0);
      const transferMs = elapsedMs - compute - rtt;
      if (!(bytes > 0) || !Number.isFinite(bytes) || !Number.isFinite(atMs)) return undefined;
      if (!Number.isFinite(transferMs) || !(transferMs >= minTransferMs)) return undefined;
      const bps = Math.min(maxBps, Math.max(minBps, (bytes * 8 * 1000) / transferMs));
      logs[next] = Math.log(bps);
      times[next] = atMs;
      next = (next + 1) % window;
      if (count < window) count++;
      if (atMs > newest) newest = atMs;
      return bps;
    },

    observeRtt(ms) {
      if (!(ms > 0) || !Number.isFinite(ms)) return;
      rtts[rttNext] = ms;
      rttNext = (rttNext + 1) % rttWindow;
      if (rttCount < rttWindow) rttCount++;
    },

    rtt: rttEstimate,

    rttJitter() {
      if (rttCount < 3) return 0;
      const m = rttEstimate() as number;
      const xs = scratchRtt.subarray(0, rttCount);
      for (let i = 0; i < rttCount; i++) xs[i] = Math.abs((rtts[i] as number) - m);
      return 1.4826 * medianInPlace(xs);
    },

    estimate() {
      if (count === 0) return undefined;
      let n = 0;
      for (let i = 0; i < count; i++) {
        if ((times[i] as number) >= newest - maxAgeMs) scratch[n++] = logs[i] as number;
      }
      const xs = scratch.subarray(0, n);
      const m = medianInPlace(xs);
      for (let i = 0; i < n; i++) scratch[i] = Math.abs((scratch[i] as number) - m);
      // xs now holds deviations; recompute the inlier mean from the ring buffer.
      const mad = medianInPlace(xs);
      const limit = hampelK * 1.4826 * mad + 1e-12;
      let sum = 0;
      let kept = 0;
      for (let i = 0; i < count; i++) {
        if ((times[i] as number) < newest - maxAgeMs) continue;
        const x = logs[i] as number;
        if (Math.abs(x - m) <= limit) {
          sum += x;
          kept++;
        }
      }
      const result: BandwidthEstimate = {
        bps: Math.exp(sum / kept),
        samples: n,
        logSpread: n >= 3 ? 1.4826 * mad : 0,
      };
      const rttMs = rttEstimate();
      if (rttMs !== undefined) result.rttMs = rttMs;
      return result;
    },

    reset() {
      count = 0;
      next = 0;
      newest = Number.NEGATIVE_INFINITY;
      rttCount = 0;
      rttNext = 0;
    },
  };
}

/** Median of a non-empty array; sorts it in place. */
function medianInPlace(xs: Float64Array): number {
  xs.sort();
  const mid = xs.length >>> 1;
  return xs.length % 2 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_OPTION',
      `bandwidth estimator option ${name} must be a finite number > 0, got ${value}`,
    );
  }
  return value;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_OPTION',
      `bandwidth estimator option ${name} must be a whole number >= 1, got ${value}`,
    );
  }
  return value;
}
