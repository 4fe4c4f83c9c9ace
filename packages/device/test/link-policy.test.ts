/**
 * The device's link policy against a simulated link whose rate the test sets:
 * a message of `bytes` takes `rtt + 8 bytes / rate` (both directions counted
 * once, as the policy counts them), on a clock the test moves.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BANDWIDTH_BPS,
  DEFAULT_RTT_MS,
  EXPIRE_MS,
  LinkPolicy,
  MEASURE_ATTEMPTS,
  PROBE_EVERY_MS,
  type ProbeResult,
} from '../src/link-policy';

const HEADER = 72;
const RTT = 20;

/** A link at `bps` with a fixed round trip, and the device's clock. */
function simulatedLink(bps: number) {
  const link = {
    bps,
    clock: 0,
    probes: 0,
    /** Empty probes: one per round. */
    empty: 0,
    /** What a co-inference exchange of `up` and `down` bytes takes now, ms (edge time 3 ms). */
    exchange(up: number, down: number) {
      const elapsedMs = RTT + (8 * (up + down) * 1000) / link.bps + 3;
      link.clock += elapsedMs;
      return { bytesUp: up, bytesDown: down, elapsedMs, edgeMs: 3 };
    },
    probe: async (bytes: number): Promise<ProbeResult> => {
      link.probes++;
      if (bytes === 0) link.empty++;
      const up = HEADER + bytes;
      const elapsedMs = RTT + (8 * (up + HEADER) * 1000) / link.bps;
      link.clock += elapsedMs;
      return { elapsedMs, bytesUp: up, bytesDown: HEADER, edgeMs: 0 };
    },
  };
  return link;
}

const within = (value: number | undefined, truth: number, share: number) =>
  value !== undefined && Math.abs(value - truth) <= share * truth;

describe('LinkPolicy', () => {
  it('measures the rate and the round trip at start-up, in one attempt on a sane link', async () => {
    const link = simulatedLink(2e6);
    const policy = new LinkPolicy(() => link.clock);
    const m = await policy.measure(link.probe, 2);
    expect(m.complete).toBe(true);
    expect(m.attempts).toBe(1);
    expect(within(m.bandwidth?.bps, 2e6, 0.01)).toBe(true);
    expect(within(m.rttMs, RTT, 0.01)).toBe(true);
  });

  it('on a link too fast for its largest probe still measures the round trip, and bounds the rate from below', async () => {
    const link = simulatedLink(1e12);
    const policy = new LinkPolicy(() => link.clock);
    const m = await policy.measure(link.probe, 1);
    expect(m.complete).toBe(true);
    expect(within(m.rttMs, RTT, 0.01)).toBe(true);
    // 256 KiB within 5 ms: at least 419 Mbit/s.
    expect(m.bandwidth?.bps).toBeGreaterThanOrEqual(400e6);
  });

  it('retries start-up measurement until it has a rate, and says when it never got one', async () => {
    const link = simulatedLink(1e6);
    // Six broken answers: the first attempt's sized probe, sent three times, then the second's.
    let broken = 6;
    const flaky = async (bytes: number) => {
      const r = await link.probe(bytes);
      return bytes > 0 && broken-- > 0 ? { ...r, elapsedMs: Number.NaN } : r;
    };
    const policy = new LinkPolicy(() => link.clock);
    const m = await policy.measure(flaky, 1);
    expect(m).toMatchObject({ complete: true, attempts: 3 });

    const never = new LinkPolicy(() => link.clock);
    const dead = async (bytes: number) => ({ ...(await link.probe(bytes)), elapsedMs: Number.NaN });
    const n = await never.measure(dead, 1);
    expect(n.complete).toBe(false);
    expect(n.attempts).toBe(MEASURE_ATTEMPTS);
    expect(never.input()).toMatchObject({
      bandwidthBps: DEFAULT_BANDWIDTH_BPS,
      rttMs: DEFAULT_RTT_MS,
    });
  });

  it('follows a drop from 5 Mbit/s to 200 kbit/s with small transfers alone (no longer gated by the old estimate)', async () => {
    const link = simulatedLink(5e6);
    const policy = new LinkPolicy(() => link.clock);
    await policy.measure(link.probe, 2);
    expect(within(policy.bandwidth?.bps, 5e6, 0.01)).toBe(true);
    link.bps = 200e3;
    const uses: string[] = [];
    for (let i = 0; i < 4; i++) uses.push(policy.observeTransfer(link.exchange(856 + HEADER, 112)));
    // 1,040 bytes at 5 Mbit/s would be 1.7 ms on the wire, under the 5 ms gate; measured it is 42 ms.
    expect(uses).toEqual(['sample', 'sample', 'sample', 'sample']);
    expect(within(policy.input().bandwidthBps, 200e3, 0.05)).toBe(true);
  });

  it('after a rise, transfers much quicker than predicted make a probe due at once (they are no samples: they may ride a burst), which measures the new rate', async () => {
    const link = simulatedLink(200e3);
    const policy = new LinkPolicy(() => link.clock);
    const t0 = link.clock;
    await policy.measure(link.probe, 2);
    const probedAt = link.clock;
    const roundMs = (probedAt - t0) / 2;
    expect(policy.probeDue()).toBe(false);
    link.bps = 20e6;
    const uses: string[] = [];
    for (let i = 0; i < 6; i++) {
      uses.push(policy.observeTransfer(link.exchange(856 + HEADER, 112)));
      link.clock += 100;
    }
    // 1,040 bytes in under 5 ms, where 41.6 ms were predicted: too short to sample.
    expect(uses).toEqual(Array(6).fill('short'));
    expect(within(policy.bandwidth?.bps, 200e3, 0.01)).toBe(true);
    // Due at once: a faster link makes probes quick, so they need not rest.
    expect(link.clock - probedAt).toBeLessThan(6 * roundMs);
    expect(policy.probeDue()).toBe(true);
    const rounds = link.empty;
    await policy.measure(link.probe, 1);
    // The round finds 20 Mbit/s, over twice the estimate: confirmed by 3 more rounds at once (two
    // empty probes a round).
    expect(link.empty - rounds).toBe(2 * 4);
    expect(within(policy.bandwidth?.bps, 20e6, 0.05)).toBe(true);
    expect(policy.probeDue()).toBe(false);
  });

  it('needs longer transfers to sample when the round trip jitters (a busy device or edge)', async () => {
    const link = simulatedLink(5e6);
    const policy = new LinkPolicy(() => link.clock);
    await policy.measure(link.probe, 1);
    expect(policy.minTransferMs()).toBe(5);
    // Round trips of 20 +- 5 ms: a robust sd of 7.4 ms, so a transfer must spend 29.7 ms on the wire.
    const jittery = async (bytes: number) => {
      const r = await link.probe(bytes);
      // The same delay for a whole round (its two empty probes and its sized ones), alternating.
      return { ...r, elapsedMs: r.elapsedMs + (Math.floor((link.empty - 1) / 2) % 2 ? 5 : -5) };
    };
    await policy.measure(jittery, 4);
    expect(policy.minTransferMs()).toBeGreaterThan(20);
    // 10 ms of wire at 5 Mbit/s would have been a sample; now it is too short.
    const before = policy.bandwidth?.bps as number;
    expect(policy.observeTransfer(link.exchange(6_250 - 112, 112))).toBe('short');
    expect(policy.bandwidth?.bps).toBe(before);
  });

  it('is due a probe after PROBE_EVERY_MS without a sample, and plans with the slow-link defaults once expired', async () => {
    const link = simulatedLink(2e6);
    const policy = new LinkPolicy(() => link.clock);
    expect(policy.probeDue()).toBe(true);
    const t0 = link.clock;
    await policy.measure(link.probe, 1);
    const roundMs = link.clock - t0;
    expect(policy.probeDue()).toBe(false);
    // A round took 177.9 ms (two empty probes and three of 6,250 bytes, sized for 1 Mbit/s before
    // any estimate): probes rest six rounds (1,067 ms), longer than PROBE_EVERY_MS.
    expect(roundMs).toBeCloseTo(177.9, 0);
    const dueAfter = Math.max(PROBE_EVERY_MS, 6 * roundMs);
    link.clock += dueAfter - 1;
    expect(policy.probeDue()).toBe(false);
    link.clock += 1 + 1e-9; // (past the float rounding of the sum)
    expect(policy.probeDue()).toBe(true);
    expect(within(policy.input().bandwidthBps, 2e6, 0.01)).toBe(true);
    link.clock += EXPIRE_MS;
    expect(policy.expired).toBe(true);
    expect(policy.input().bandwidthBps).toBe(DEFAULT_BANDWIDTH_BPS);
    // The round trip is kept: it is the link's, not the load's.
    expect(within(policy.input().rttMs, RTT, 0.01)).toBe(true);
    await policy.measure(link.probe, 1);
    expect(policy.expired).toBe(false);
  });

  it('on a token-bucket link (a burst, then the rate) measures the rate past the burst and predicts small messages as they go', async () => {
    const BURST = 4096;
    const bps = 2e6;
    const link = bucketLink(bps, BURST);
    const policy = new LinkPolicy(() => link.clock);
    await policy.measure(link.probe, 2);
    // The first sized probe of a round empties the bucket; the two after it see the rate.
    expect(within(policy.bandwidth?.bps, bps, 0.05)).toBe(true);
    /** An exchange's predicted time outside the edge, as the planner reckons it. */
    const predictedMs = (bytes: number) => {
      const input = policy.input();
      return (
        input.rttMs + (8000 * Math.max(0, bytes - (input.burstBytes ?? 0))) / input.bandwidthBps
      );
    };
    const outside = (seen: { elapsedMs: number; edgeMs: number }) => seen.elapsedMs - seen.edgeMs;
    // Before any transfer: 4.2 ms on the wire (and under 1 ms of round trip).
    expect(predictedMs(1040)).toBeGreaterThan(4);
    // A request every 100 ms: the bucket is full again each time, and 1,040 bytes ride it.
    const uses: string[] = [];
    let last = { bytesUp: 0, bytesDown: 0, elapsedMs: 0, edgeMs: 0 };
    for (let i = 0; i < 5; i++) {
      link.clock += 100;
      last = link.exchange(928, 112);
      uses.push(policy.observeTransfer(last));
    }
    expect(uses).toEqual(Array(5).fill('short'));
    // (The empty probes rode the burst too: the round trip came out short, and the burst estimate
    // is short by as much.)
    expect(policy.burstBytes()).toBeGreaterThan(800);
    expect(within(predictedMs(1040), outside(last), 0.05)).toBe(true);
    expect(policy.probeDue()).toBe(false);
    // A larger message is charged past the burst it has seen (at most the bucket's): never less
    // than it takes.
    const big = 40_000;
    link.clock += 100;
    const seen = link.exchange(big - 112, 112);
    expect(predictedMs(big)).toBeGreaterThanOrEqual(outside(seen));
    expect(predictedMs(big)).toBeLessThan(1.25 * outside(seen));
  });

  it('learns a per-message overhead from small exchanges (a busy event loop), plans with it, and keeps it out of the rate', async () => {
    const link = simulatedLink(20e6);
    const policy = new LinkPolicy(() => link.clock);
    await policy.measure(link.probe, 2);
    expect(within(policy.bandwidth?.bps, 20e6, 0.02)).toBe(true);
    // Each answer waits 15 ms for the device's event loop (a page redrawing) beyond its bytes
    // (0.4 ms at 20 Mbit/s) and the round trip.
    const slow = () => {
      const seen = link.exchange(928, 112);
      link.clock += 15;
      return { ...seen, elapsedMs: seen.elapsedMs + 15 };
    };
    const uses: string[] = [];
    for (let i = 0; i < 7; i++) {
      link.clock += 100;
      uses.push(policy.observeTransfer(slow()));
    }
    expect(policy.overheadMs()).toBeCloseTo(15, 0);
    expect(policy.input().transferExtraMs).toBeCloseTo(15, 0);
    // The first three were samples (15 ms on the wire), the rest are short once the overhead is
    // known: the estimate is the link's, not the event loop's.
    expect(uses.slice(3)).toEqual(Array(4).fill('short'));
    link.clock += 100;
    await policy.measure(link.probe, 3);
    expect(within(policy.bandwidth?.bps, 20e6, 0.05)).toBe(true);
  });
});

const LOW_RTT = 1;

/**
 * A link shaped by a token bucket each way (as Linux tbf): `burst` bytes pass at once after an
 * idle spell, the rest at `bps`; the bucket refills at `bps`. Round trip LOW_RTT ms.
 */
function bucketLink(bps: number, burst: number) {
  const tokens = { up: burst, down: burst };
  let last = 0;
  const link = {
    clock: 0,
    /** Sends `bytes` one way; returns its ms beyond the round trip. */
    send(bytes: number, way: 'up' | 'down'): number {
      const dt = link.clock - last;
      tokens.up = Math.min(burst, tokens.up + (bps * dt) / 8000);
      tokens.down = Math.min(burst, tokens.down + (bps * dt) / 8000);
      const free = Math.min(tokens[way], bytes);
      tokens[way] -= free;
      const ms = (8000 * (bytes - free)) / bps;
      link.clock += ms;
      last = link.clock;
      return ms;
    },
    exchange(up: number, down: number) {
      const t0 = link.clock;
      link.clock += LOW_RTT / 2;
      link.send(up, 'up');
      link.clock += 3;
      link.send(down, 'down');
      link.clock += LOW_RTT / 2;
      return { bytesUp: up, bytesDown: down, elapsedMs: link.clock - t0, edgeMs: 3 };
    },
    probe: async (bytes: number): Promise<ProbeResult> => {
      const t0 = link.clock;
      link.clock += LOW_RTT / 2;
      link.send(HEADER + bytes, 'up');
      link.send(HEADER, 'down');
      link.clock += LOW_RTT / 2;
      return { elapsedMs: link.clock - t0, bytesUp: HEADER + bytes, bytesDown: HEADER, edgeMs: 0 };
    },
  };
  return link;
}
