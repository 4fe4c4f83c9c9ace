/**
 * The device's link model against a real, kernel-shaped link: `edgent serve`
 * runs in a network namespace this test creates, joined by a veth pair whose
 * both ends `tc` shapes with a token bucket (500 kbit/s, an 8 KiB burst, as
 * a home router or a modem shapes traffic). The device measures the link
 * itself (it is never told the rate) and answers requests every 100 ms:
 * small ones ride the burst, large ones pay the rate. Skipped, saying why,
 * where network namespaces cannot be made (not root, no iproute2).
 */
import type { Plan } from '@edgent/planner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createShapedLink,
  type ShapedLink,
  shapedLinkUnavailable,
} from '../../../bench/src/shaped-link';
import type { OpenDevice } from '../src/device-setup';
import { openCpuDevice, testPixels } from './cpu-device';
import { type EdgeProcess, startEdge } from './edge-process';

const RATE = 500e3;
const BURST = 8192;
const unavailable = shapedLinkUnavailable();

let link: ShapedLink | undefined;
let edge: EdgeProcess | undefined;
let device: OpenDevice | undefined;
let pixels: Uint8Array[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Runs `n` requests of one plan, one every 100 ms; measured and predicted of each. */
async function answers(plan: Pick<Plan, 'exit' | 'partition'>, n: number) {
  const session = device?.session;
  if (!session) throw new Error('no device');
  const out = [];
  for (let i = 0; i < n; i++) {
    await new Promise((ok) => setTimeout(ok, 100));
    const r = await session.classify(pixels[i % pixels.length] as Uint8Array, 1000, () => plan);
    expect(r.online).toBe(true);
    const bytes = r.plan.bytesUp + r.plan.bytesDown;
    const burst = r.input.burstBytes ?? 0;
    // What the plain model (bytes / rate + RTT) would have predicted: the burst's bytes charged too.
    const plainMs =
      r.plan.predicted.total + (8000 * (bytes - Math.max(0, bytes - burst))) / r.input.bandwidthBps;
    out.push({
      measured: r.measured.total,
      predicted: r.plan.predicted.total,
      plain: plainMs,
      transfer: r.measured.upload + r.measured.download,
      bytes,
    });
  }
  return out;
}

describe.skipIf(unavailable !== undefined)(
  `on a tc-shaped link (token bucket)${unavailable ? ` -- skipped: ${unavailable}` : ''}`,
  () => {
    beforeAll(async () => {
      link = await createShapedLink({ rateBps: RATE, burstBytes: BURST });
      edge = await startEdge([], { prefix: link.exec, host: link.edgeHost });
      device = await openCpuDevice(edge.url);
      pixels = testPixels(20);
    }, 120_000);

    afterAll(async () => {
      device?.session.close();
      await edge?.stop();
      await link?.remove();
    });

    it('measures the rate past the burst, and predicts small exchanges (inside the burst) and large ones (past it) as they go', async () => {
      const session = device?.session;
      const co = device?.co;
      if (!session || !co) throw new Error('no device');
      // The edge emulates nothing: the kernel shapes the link.
      const m = await session.setLink({ type: 'link', mode: 'off' });
      expect(m?.complete).toBe(true);
      // The first sized probe of each round empties the bucket; the rate is what follows.
      const bps = m?.bandwidth?.bps ?? 0;
      expect(bps / RATE, `measured ${bps} bit/s`).toBeGreaterThan(0.75);
      expect(bps / RATE, `measured ${bps} bit/s`).toBeLessThan(1.25);

      // Edge-only requests (928 + 112 bytes) every 100 ms: the bucket refills between them.
      const last = co.paths.length - 1;
      const small = (await answers({ exit: last, partition: 0 }, 25)).slice(5);
      const plainTransfer = median(small.map((a) => a.plain - a.predicted)) + (8000 * 1040) / bps;
      // The link really bursts: well under the bytes' time at the rate.
      expect(median(small.map((a) => a.transfer))).toBeLessThan(0.5 * plainTransfer);
      const ratio = median(small.map((a) => a.measured / a.predicted));
      const plainRatio = median(small.map((a) => a.measured / a.plain));
      expect(plainRatio, 'the plain model over-predicts them').toBeLessThan(0.5);
      expect(ratio, JSON.stringify(small.slice(0, 3))).toBeGreaterThan(0.5);
      expect(ratio, JSON.stringify(small.slice(0, 3))).toBeLessThan(2);

      // A cut whose tensor is over four bursts: it pays the rate for most of its bytes.
      const input = { bandwidthBps: bps, rttMs: co.rttMs ?? 0, deadlineMs: 1000 };
      const big = co
        .candidates(input)
        .filter((p) => p.bytesUp + p.bytesDown >= 4 * BURST && p.partition > 0)
        .sort((a, b) => a.bytesUp - b.bytesUp)[0];
      if (!big) throw new Error('no cut sends 32 KiB');
      const large = (await answers(big, 6)).slice(1);
      const bigRatio = median(large.map((a) => a.measured / a.predicted));
      expect(bigRatio, JSON.stringify(large.slice(0, 3))).toBeGreaterThan(0.75);
      expect(bigRatio, JSON.stringify(large.slice(0, 3))).toBeLessThan(1.33);
    }, 120_000);
  },
);
