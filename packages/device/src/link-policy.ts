import {
  type BandwidthEstimate,
  type BandwidthEstimator,
  createBandwidthEstimator,
} from '@edgent/planner';

/**
 * How a device knows its link, shared by real co-inference (the page and
 * `edgent device`, through CoInference) and by the replay simulator
 * (`edgent experiment replay`), so that both follow one policy:
 * - probes: rounds of an empty one for the round trip and one sized to take
 *   about 50 ms at the current estimate, grown while it hides in the round
 *   trip's jitter. The sized one is sent once to empty a token bucket's burst
 *   (a shaped link lets an idle sender's first bytes through at line rate),
 *   then twice more, and the faster of those two kept (delays only add; the
 *   empty ones are sent twice too). Rounds are repeated (up to 3 more) while
 *   each finds the link more than twice or under half the estimate; start-up
 *   measurement retries until it has both a round trip and a rate, and says
 *   when it could not ({@link LinkMeasurement});
 * - every co-inference transfer feeds the estimator by what was measured on
 *   the wire (elapsed minus the edge's time minus the round trip): long
 *   enough against the round trip's jitter ({@link LinkPolicy.minTransferMs})
 *   it gives a sample; a shorter one says nothing of the rate (it may have
 *   ridden a burst), but one much quicker than predicted asks for a probe;
 * - each transfer also says how many of its bytes crossed for free at the
 *   estimated rate (a token bucket's burst): the median of the last
 *   {@link CREDITS_KEPT}, {@link LinkPolicy.burstBytes}, is the planner's
 *   `burstBytes`, so a small message on a shaped link is predicted as it
 *   really goes; and a transfer whose bytes take little time at that rate
 *   says what a message costs beyond them and the round trip (the device's
 *   event loop, framing): the median, {@link LinkPolicy.overheadMs}, is the
 *   planner's `transferExtraMs`, and is taken out of later samples;
 * - a probe is due whenever the estimate is older than {@link PROBE_EVERY_MS},
 *   whether or not requests flow, and at once when a transfer found the link
 *   more than twice or under half the estimate, but never more than about a
 *   sixth of the time ({@link LinkPolicy.probeDue});
 * - an estimate older than {@link EXPIRE_MS} has expired: the planner is given
 *   the slow-link defaults, {@link DEFAULT_BANDWIDTH_BPS} and
 *   {@link DEFAULT_RTT_MS}, as before any measurement.
 */

/** A probe shorter than this on the wire is grown (it hides in the round trip's jitter), ms. */
export const MIN_WIRE_MS = 5;
/**
 * A co-inference transfer shorter on the wire than this many times the round
 * trip's jitter (robust sd of the probes' RTTs), and than {@link MIN_WIRE_MS},
 * only bounds the rate from below: a busy device's or edge's scheduling
 * would weigh too much in it.
 */
export const JITTER_FACTOR = 4;
/** Planned with before any measurement: a slow link rather than a fast one, bit/s. */
export const DEFAULT_BANDWIDTH_BPS = 100_000;
/** Planned with before the round trip was measured, ms. */
export const DEFAULT_RTT_MS = 50;
/** Probe the link when the estimate is older than this, ms. */
export const PROBE_EVERY_MS = 1000;
/** ... while the plan does not depend on the estimate, ms. */
export const PROBE_CALM_EVERY_MS = 3000;
/** An estimate older than this is not planned with, ms. */
export const EXPIRE_MS = 10_000;
/** The least uncertainty (sd of log bandwidth) the planner is told of: a link is never certain. */
export const MIN_LOG_SD = 0.2;
/** How fast an unmeasured link drifts: sd of log bandwidth after one second without a sample. */
export const LOG_DRIFT_PER_S = 0.3;
/** Start-up measurement gives up after this many attempts without a rate and a round trip. */
export const MEASURE_ATTEMPTS = 4;
/** The burst estimate is the median of the last this many transfers' free bytes. */
export const CREDITS_KEPT = 7;
/** ... once at least this many transfers measured it. */
const CREDITS_NEEDED = 3;

/** A probe this many times off the estimate is confirmed by more probes at once. */
const CHANGE_FACTOR = 2;
/** At most this many confirming probes per measurement. */
const CONFIRM_ROUNDS = 3;
/** A probe is sized to take about this long at the rate it expects, ms. */
const PROBE_TARGET_MS = 50;
const PROBE_MIN_BYTES = 256;
/** Probes take at most about 1 / PROBE_DUTY of the time: the next waits this many rounds' time. */
const PROBE_DUTY = 6;
/** Confirming rounds only while a round takes at most this long, ms. */
const CONFIRM_ROUND_MS = 200;
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

/** What a measurement of the link found. */
export interface LinkMeasurement {
  bandwidth?: BandwidthEstimate;
  /** The measured round trip, ms; undefined when no probe measured it. */
  rttMs?: number;
  /** Whether both a rate and a round trip are known. */
  complete: boolean;
  /** Probe rounds it took. */
  attempts: number;
}

/** One sample the estimator took, numbered from 1 in the order taken. */
export interface LinkSample {
  seq: number;
  bps: number;
  atMs: number;
}

/** Samples kept for {@link LinkPolicy.samplesSince}. */
const SAMPLES_KEPT = 32;

/**
 * What a transfer did to the estimate: a sample; too short to be one (it counts for
 * {@link LinkPolicy.burstBytes} and {@link LinkPolicy.overheadMs} only); or nothing.
 */
export type TransferUse = 'sample' | 'short' | 'ignored';

/** The link as the device knows it: a bandwidth estimator, a round-trip time, and their age. */
export class LinkPolicy {
  readonly #estimator: BandwidthEstimator;
  readonly #now: () => number;
  #sampledAt = Number.NEGATIVE_INFINITY;
  #samples: LinkSample[] = [];
  #seq = 0;
  /** A transfer found the link far from the estimate (or faster than it): measure it now. */
  #moved = false;
  /** ... and faster: probes will be quick, so they need not rest. */
  #faster = false;
  /** How long the last probe round took, ms, and when it ended. */
  #roundMs = 0;
  #probedAt = Number.NEGATIVE_INFINITY;
  /** The last transfers' bytes that crossed for free at the estimated rate (see burstBytes). */
  #credits: number[] = [];
  /** The last small transfers' time beyond their bytes and the round trip, ms (see overheadMs). */
  #overheads: number[] = [];

  readonly #risk: boolean;

  /**
   * `risk` (default true): the planner is told how uncertain the estimate is
   * (`bandwidthLogSd`: the spread of the recent samples, at least
   * {@link MIN_LOG_SD}) and maximises expected effective accuracy; false plans
   * on the estimate as if it were certain (the paper's search).
   */
  constructor(
    now: () => number,
    estimator: BandwidthEstimator = createBandwidthEstimator(),
    options: { risk?: boolean } = {},
  ) {
    this.#now = now;
    this.#estimator = estimator;
    this.#risk = options.risk ?? true;
  }

  /** The current estimate, if any (expired or not: see {@link ageMs}). */
  get bandwidth(): BandwidthEstimate | undefined {
    return this.#estimator.estimate();
  }

  /**
   * The least wire time that makes a transfer a sample, ms: {@link MIN_WIRE_MS},
   * or {@link JITTER_FACTOR} times the round trip's jitter if more.
   */
  minTransferMs(): number {
    return Math.max(MIN_WIRE_MS, JITTER_FACTOR * this.#estimator.rttJitter());
  }

  /**
   * Bytes of an exchange that cross for free at the estimated rate (a token
   * bucket's burst): the median of the last transfers' (bytes - (wire time -
   * overhead) x rate), each within [0, bytes]; 0 before
   * {@link CREDITS_NEEDED} transfers.
   */
  burstBytes(): number {
    return medianOf(this.#credits);
  }

  /**
   * What an exchange takes beyond its bytes at the rate (burst aside) and the
   * round trip, ms: the median over the last transfers whose bytes take under
   * {@link minTransferMs} at the estimated rate (a larger one mixes it with the
   * rate); 0 before {@link CREDITS_NEEDED} of them.
   */
  overheadMs(): number {
    return medianOf(this.#overheads);
  }

  /** The measured round trip (median of the last probes), ms, if any. */
  get rttMs(): number | undefined {
    return this.#estimator.rtt();
  }

  /** Since the last sample of the link (transfer or probe), ms; Infinity before any. */
  ageMs(): number {
    return this.#now() - this.#sampledAt;
  }

  /** Whether the estimate is too old to plan with. */
  get expired(): boolean {
    return this.ageMs() > EXPIRE_MS;
  }

  /**
   * Whether a probe is due: the estimate is older than {@link PROBE_EVERY_MS},
   * or a transfer found the link more than twice or under half the estimate
   * (or much quicker than predicted). Either way probes keep to about a sixth
   * of the time: after a round of T ms the next waits at least 6 T, unless a
   * transfer found the link faster (then probes are quick). When the
   * plan would be the same at an eighth and at eight times the estimate
   * (`sensitive` false, see {@link planSensitive}), the estimate may grow
   * {@link PROBE_CALM_EVERY_MS} old.
   */
  probeDue(sensitive = true): boolean {
    const rested = this.#now() - this.#probedAt >= PROBE_DUTY * this.#roundMs;
    const every = sensitive ? PROBE_EVERY_MS : PROBE_CALM_EVERY_MS;
    return (rested || this.#faster) && (this.#moved || this.ageMs() >= every);
  }

  /**
   * What the planner is given for the link now: the estimate, its spread
   * (see the constructor's `risk`) and the round trip, or the slow-link
   * defaults.
   */
  input(): {
    bandwidthBps: number;
    rttMs: number;
    bandwidthLogSd?: number;
    burstBytes?: number;
    transferExtraMs?: number;
  } {
    const estimate = this.expired ? undefined : this.#estimator.estimate();
    const burst = estimate ? this.burstBytes() : 0;
    const overhead = estimate ? this.overheadMs() : 0;
    return {
      bandwidthBps: estimate?.bps ?? DEFAULT_BANDWIDTH_BPS,
      rttMs: this.rttMs ?? DEFAULT_RTT_MS,
      ...(this.#risk && estimate ? { bandwidthLogSd: this.#logSd(estimate.logSpread) } : {}),
      ...(burst !== 0 ? { burstBytes: burst } : {}),
      ...(overhead !== 0 ? { transferExtraMs: overhead } : {}),
    };
  }

  /**
   * The raw samples (bit/s) taken after sample `seq`, oldest first; at most the
   * last 32. For a change-point detector, which needs the samples themselves
   * rather than the smoothed estimate.
   */
  samplesSince(seq: number): readonly LinkSample[] {
    return this.#samples.filter((x) => x.seq > seq);
  }

  #took(bps: number): void {
    const atMs = this.#now();
    this.#sampledAt = atMs;
    this.#samples.push({ seq: ++this.#seq, bps, atMs });
    if (this.#samples.length > SAMPLES_KEPT) this.#samples.shift();
  }

  /** The spread of the samples, grown with the estimate's age (a link drifts), at least MIN_LOG_SD. */
  #logSd(spread: number): number {
    const sd = Math.max(MIN_LOG_SD, spread);
    const ageS = Math.max(0, this.ageMs()) / 1000;
    return Math.sqrt(sd * sd + LOG_DRIFT_PER_S * LOG_DRIFT_PER_S * ageS);
  }

  /** Forgets the estimates (e.g. after the link settings change); sample numbers go on. */
  reset(): void {
    this.#estimator.reset();
    this.#samples = [];
    this.#credits = [];
    this.#overheads = [];
    this.#moved = false;
    this.#faster = false;
    this.#roundMs = 0;
    this.#probedAt = Number.NEGATIVE_INFINITY;
    this.#sampledAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * Measures the link with `probe`: `rounds` rounds of an empty probe (the
   * round trip) and one sized to take about 50 ms at the current estimate
   * (the rate), more while the rate found is far from the estimate. Tries
   * again, up to {@link MEASURE_ATTEMPTS} times in all, while the rate or the
   * round trip is still unknown.
   */
  async measure(
    probe: (bytes: number) => Promise<ProbeResult>,
    rounds: number,
  ): Promise<LinkMeasurement> {
    let attempts = 0;
    this.#moved = false;
    this.#faster = false;
    do {
      attempts++;
      await this.#measureOnce(probe, rounds);
    } while (!this.#known() && attempts < MEASURE_ATTEMPTS);
    return {
      ...(this.bandwidth ? { bandwidth: this.bandwidth } : {}),
      ...(this.rttMs !== undefined ? { rttMs: this.rttMs } : {}),
      complete: this.#known(),
      attempts,
    };
  }

  #known(): boolean {
    return this.rttMs !== undefined && this.bandwidth !== undefined;
  }

  async #measureOnce(
    probe: (bytes: number) => Promise<ProbeResult>,
    rounds: number,
  ): Promise<void> {
    let planned = rounds;
    for (let i = 0; i < planned; i++) {
      const roundStart = this.#now();
      // Each round pairs empty probes with sized ones, so a change between rounds cannot mix. Each
      // is sent twice and the faster kept: a busy device or edge only ever adds delay.
      let empty = faster(await probe(0), await probe(0));
      let emptyMs = empty.elapsedMs - empty.edgeMs;
      if (!Number.isFinite(emptyMs)) continue;
      const before = this.#estimator.estimate()?.bps;
      // Sized on the latest sample rather than the estimate: on a link that just collapsed, a probe
      // sized for the old rate would hold the link for seconds; on one that just rose, it would
      // hide in the jitter.
      const bps = this.#samples.at(-1)?.bps ?? before ?? 1e6;
      let size = Math.round(
        Math.min(PROBE_MAX_BYTES, Math.max(PROBE_MIN_BYTES, (bps * PROBE_TARGET_MS) / 8000)),
      );
      // The first sized probe of a measurement empties a token bucket's burst.
      let big = await probe(size);
      // Two sizes give the rate and the round trip: elapsed = rtt + 8 bytes / rate.
      let extraMs = big.elapsedMs - big.edgeMs - emptyMs;
      if (extraMs < 0) {
        // Quicker than the empty probes: the link got faster since them; measure them again.
        empty = faster(await probe(0), await probe(0));
        emptyMs = empty.elapsedMs - empty.edgeMs;
        extraMs = big.elapsedMs - big.edgeMs - emptyMs;
      }
      // On a link much faster than assumed the probe hides in the round trip's jitter: grow it.
      while (extraMs < MIN_WIRE_MS && size < PROBE_MAX_BYTES) {
        size = Math.min(PROBE_MAX_BYTES, size * 8);
        big = await probe(size);
        extraMs = big.elapsedMs - big.edgeMs - emptyMs;
      }
      // In the first round the bucket may be full: the sized probe emptied it, and two more are
      // timed. Later rounds follow at once (the bucket has had no time to refill): it is timed too.
      big = i === 0 ? faster(await probe(size), await probe(size)) : faster(big, await probe(size));
      extraMs = big.elapsedMs - big.edgeMs - emptyMs;
      if (extraMs < 0) {
        // The round straddled a change (the sized probes beat the empty ones): measure again.
        if (planned < rounds + CONFIRM_ROUNDS) planned++;
        continue;
      }
      const bytes = big.bytesUp - empty.bytesUp;
      // Even the largest probe hid in the jitter: the link is at least this fast.
      const rate = (8 * bytes) / (Math.max(extraMs, MIN_WIRE_MS) / 1000);
      if (!(rate > 0 && Number.isFinite(rate))) continue;
      const wireEmpty = (8 * (empty.bytesUp + empty.bytesDown)) / rate;
      const rtt = Math.max(0, emptyMs - 1000 * wireEmpty);
      this.#estimator.observeRtt(rtt || 1e-3);
      const fed = this.#estimator.observe({
        bytes: big.bytesUp + big.bytesDown,
        elapsedMs: Math.max(big.elapsedMs, big.edgeMs + rtt + MIN_WIRE_MS),
        edgeComputeMs: big.edgeMs,
        rttMs: rtt,
        atMs: this.#now(),
      });
      if (fed === undefined) continue;
      this.#took(fed);
      const roundMs = this.#now() - roundStart;
      this.#roundMs = roundMs;
      this.#probedAt = this.#now();
      // The link moved by more than CHANGE_FACTOR since the estimate: probe again at once, so that
      // the new rate outnumbers the old in the estimator's window rather than waiting for it;
      // not on a link so slow that a round holds it for long (a faster one is always quick).
      const moved =
        before !== undefined && Math.abs(Math.log(fed / before)) > Math.log(CHANGE_FACTOR);
      const quick = fed > (before ?? 0) || roundMs <= CONFIRM_ROUND_MS;
      // The transfers' free bytes and overheads were reckoned at the old rate.
      if (moved) {
        this.#credits = [];
        this.#overheads = [];
      }
      if (moved && quick && planned < rounds + CONFIRM_ROUNDS) planned++;
    }
  }

  /**
   * Feeds a co-inference exchange to the estimator by its measured wire time
   * (elapsed minus the edge's time minus the round trip): a sample when that
   * is at least {@link minTransferMs}. A shorter one is no sample (it may
   * have ridden a burst), but when it was over {@link CHANGE_FACTOR} times
   * quicker than predicted (burst included) the link may have got faster,
   * and a probe is due at once. Either way it updates {@link burstBytes}.
   */
  observeTransfer(seen: TransferSeen): TransferUse {
    const bytes = seen.bytesUp + seen.bytesDown;
    const rtt = this.rttMs ?? 0;
    const wireMs = seen.elapsedMs - seen.edgeMs - rtt;
    if (!(bytes > 0) || !Number.isFinite(wireMs)) return 'ignored';
    const before = this.expired ? undefined : this.#estimator.estimate()?.bps;
    const minMs = this.minTransferMs();
    // The overhead learned so far is no part of the wire's time.
    const overhead = before === undefined ? 0 : this.overheadMs();
    const netMs = wireMs - overhead;
    if (before !== undefined) {
      const expectedMs = (8000 * Math.max(0, bytes - this.burstBytes())) / before;
      if ((8000 * bytes) / before < minMs) keep(this.#overheads, Math.max(0, wireMs - expectedMs));
      const credit = bytes - (Math.max(0, netMs) * before) / 8000;
      keep(this.#credits, Math.max(0, Math.min(bytes, credit)));
      if (netMs < minMs) {
        if (expectedMs > CHANGE_FACTOR * minMs) {
          this.#moved = true;
          this.#faster = true;
        }
        return 'short';
      }
    } else if (wireMs < minMs) return 'ignored';
    const fed = this.#estimator.observe({
      bytes,
      elapsedMs: seen.elapsedMs - overhead,
      edgeComputeMs: seen.edgeMs,
      rttMs: rtt,
      atMs: this.#now(),
    });
    if (fed === undefined) return 'ignored';
    this.#took(fed);
    // Far off the estimate: the link changed, or this was an outlier; a probe tells which, now.
    if (before !== undefined && Math.abs(Math.log(fed / before)) > Math.log(CHANGE_FACTOR)) {
      this.#moved = true;
    }
    return 'sample';
  }
}

/** Appends `x` to the last {@link CREDITS_KEPT} values. */
function keep(values: number[], x: number): void {
  values.push(x);
  if (values.length > CREDITS_KEPT) values.shift();
}

/** The median of `values`; 0 before {@link CREDITS_NEEDED} of them. */
function medianOf(values: readonly number[]): number {
  if (values.length < CREDITS_NEEDED) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Of two probes of the same size, the one that spent less time outside the edge. */
function faster(a: ProbeResult, b: ProbeResult): ProbeResult {
  return b.elapsedMs - b.edgeMs < a.elapsedMs - a.edgeMs ? b : a;
}

/**
 * Whether the plan depends on the link estimate: `planAt` (the planner at a
 * bandwidth) gives another exit or cut at an eighth or at eight times
 * `bandwidthBps`. When it does not, the link need not be probed as often.
 */
export function planSensitive(
  planAt: (bandwidthBps: number) => { exit: number; partition: number },
  bandwidthBps: number,
): boolean {
  const now = planAt(bandwidthBps);
  return [bandwidthBps / 8, bandwidthBps * 8].some((bps) => {
    const other = planAt(bps);
    return other.exit !== now.exit || other.partition !== now.partition;
  });
}
