import {
  type BandwidthEstimate,
  type BandwidthEstimator,
  createBandwidthEstimator,
} from '@edgent/planner';

/**
 * How a device knows its link, shared by real co-inference (the page and
 * `edgent device`, through CoInference) and by the replay simulator
 * (`edgent experiment replay`), so that both follow one policy:
 * - idle probes: an empty one for the round trip, then probes sized to take
 *   about 100 ms at the current estimate, grown while they hide in the round
 *   trip's jitter;
 * - every co-inference transfer feeds the estimator, unless its bytes would
 *   take under {@link MIN_WIRE_MS} on the wire at the current estimate;
 * - before any measurement, plan for a slow link: {@link DEFAULT_BANDWIDTH_BPS},
 *   {@link DEFAULT_RTT_MS};
 * - the page probes when no transfer or probe has measured the link for
 *   {@link PROBE_EVERY_MS} ({@link IdleProbe}).
 */

/** Transfers shorter than this on the wire (at the current estimate) do not feed the estimator, ms. */
export const MIN_WIRE_MS = 5;
/** Planned with before any measurement: a slow link rather than a fast one, bit/s. */
export const DEFAULT_BANDWIDTH_BPS = 100_000;
/** Planned with before the round trip was measured, ms. */
export const DEFAULT_RTT_MS = 50;
/** Measure the link when nothing else has for this long, ms. */
export const PROBE_EVERY_MS = 2000;

const PROBE_MIN_BYTES = 1024;
const PROBE_MAX_BYTES = 256 * 1024;

/** What a probe of the link returns (EdgeClient.probe, or a simulated link). */
export interface ProbeResult {
  elapsedMs: number;
  bytesUp: number;
  bytesDown: number;
  /** The edge's own time handling it, ms. */
  edgeMs: number;
}

/** One co-inference exchange as the device saw it. */
export interface TransferSeen {
  bytesUp: number;
  bytesDown: number;
  /** From sending the request to reading the result, ms. */
  elapsedMs: number;
  /** What the edge reported of its own time (queue, decode, compute), ms. */
  edgeMs: number;
}

/** The link as the device knows it: a bandwidth estimator and a round-trip time. */
export class LinkPolicy {
  readonly #estimator: BandwidthEstimator;
  readonly #now: () => number;
  #rtt: number | undefined;

  constructor(now: () => number, estimator: BandwidthEstimator = createBandwidthEstimator()) {
    this.#now = now;
    this.#estimator = estimator;
  }

  /** The current estimate, if any. */
  get bandwidth(): BandwidthEstimate | undefined {
    return this.#estimator.estimate();
  }

  /** The measured round trip, ms, if any. */
  get rttMs(): number | undefined {
    return this.#rtt;
  }

  /** What the planner is given for the link now: the estimates, or the slow-link defaults. */
  input(): { bandwidthBps: number; rttMs: number } {
    return {
      bandwidthBps: this.#estimator.estimate()?.bps ?? DEFAULT_BANDWIDTH_BPS,
      rttMs: this.#rtt ?? DEFAULT_RTT_MS,
    };
  }

  /** Forgets the estimates (e.g. after the link settings change). */
  reset(): void {
    this.#estimator.reset();
    this.#rtt = undefined;
  }

  /**
   * Measures the link with `probe`: an empty probe for the round trip, then
   * `rounds` probes sized to take about 100 ms at the current estimate.
   */
  async measure(probe: (bytes: number) => Promise<ProbeResult>, rounds: number): Promise<void> {
    const empty = await probe(0);
    for (let i = 0; i < rounds; i++) {
      const bps = this.#estimator.estimate()?.bps ?? 1e6;
      let size = Math.round(Math.min(PROBE_MAX_BYTES, Math.max(PROBE_MIN_BYTES, bps / 80)));
      let big = await probe(size);
      // Two sizes give the rate and the round trip: elapsed = rtt + 8 bytes / rate.
      let extraMs = big.elapsedMs - big.edgeMs - (empty.elapsedMs - empty.edgeMs);
      // On a link much faster than assumed the probe hides in the round trip's jitter: grow it.
      while (extraMs < MIN_WIRE_MS && size < PROBE_MAX_BYTES) {
        size = Math.min(PROBE_MAX_BYTES, size * 8);
        big = await probe(size);
        extraMs = big.elapsedMs - big.edgeMs - (empty.elapsedMs - empty.edgeMs);
      }
      const bytes = big.bytesUp - empty.bytesUp;
      if (extraMs > 0) {
        const rate = (8 * bytes) / (extraMs / 1000);
        const wireEmpty = (8 * (empty.bytesUp + empty.bytesDown)) / rate;
        this.#rtt = Math.max(0, empty.elapsedMs - empty.edgeMs - 1000 * wireEmpty);
        this.#estimator.observeRtt(this.#rtt || 1e-3);
      }
      this.#estimator.observe({
        bytes: big.bytesUp + big.bytesDown,
        elapsedMs: big.elapsedMs,
        edgeComputeMs: big.edgeMs,
        rttMs: this.#rtt ?? 0,
        atMs: this.#now(),
      });
    }
  }

  /**
   * Feeds a co-inference exchange to the estimator, unless its bytes take
   * under {@link MIN_WIRE_MS} on the wire at the current estimate: then the
   * round trip's jitter would dominate, and read low. Returns whether it fed.
   */
  observeTransfer(seen: TransferSeen): boolean {
    const bytes = seen.bytesUp + seen.bytesDown;
    const wireMs = (bytes * 8 * 1000) / (this.#estimator.estimate()?.bps ?? DEFAULT_BANDWIDTH_BPS);
    if (wireMs < MIN_WIRE_MS) return false;
    this.#estimator.observe({
      bytes,
      elapsedMs: seen.elapsedMs,
      edgeComputeMs: seen.edgeMs,
      rttMs: this.#rtt ?? 0,
      atMs: this.#now(),
    });
    return true;
  }
}

/** When the page measures the link by itself: after {@link PROBE_EVERY_MS} without a sample. */
export class IdleProbe {
  #lastSampleAt = Number.NEGATIVE_INFINITY;

  /** A transfer or a probe measured the link at `now`. */
  sampled(now: number): void {
    this.#lastSampleAt = now;
  }

  /** Whether a probe is due at `now`. */
  due(now: number): boolean {
    return now - this.#lastSampleAt >= PROBE_EVERY_MS;
  }
}
