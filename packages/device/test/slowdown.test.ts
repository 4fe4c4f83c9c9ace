/**
 * Device emulation in co-inference: the head of a slowed device really takes
 * about N times as long, which shows in the measured device time, while the
 * planner is given nothing but its latency models (never N).
 */
import { DeviceSlowdown } from '@edgent/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { CoInference } from '../src/co-inference';
import { tinyModel } from './tiny-model';

const tiny = tinyModel([24, 24, 1], 'b', 5);
const { manifest, flat } = tiny;

let model: Awaited<ReturnType<typeof tiny.load>>;
beforeAll(async () => {
  model = await tiny.load();
});

describe('a slowed device in co-inference', () => {
  it('measures its head about N times as long (x8: between x4 and x16), offline, device-only', async () => {
    const now = () => performance.now();
    const slowdown = new DeviceSlowdown(1, now);
    const co = new CoInference({ model, manifest, device: flat(1), edge: flat(1), now, slowdown });
    await co.warmUp();
    const pixels = new Uint8Array(24 * 24).fill(100);
    const times = { 1: [] as number[], 8: [] as number[] };
    for (let round = 0; round < 9; round++) {
      for (const factor of [1, 8] as const) {
        slowdown.factor = factor;
        const answer = await co.classify(pixels, 1_000);
        expect(answer.online).toBe(false);
        times[factor].push(answer.measured.device);
      }
    }
    const ratio = Math.min(...times[8]) / Math.min(...times[1]);
    expect(ratio).toBeGreaterThan(4);
    expect(ratio).toBeLessThan(16);
  });

  it('plans the same whatever the factor: the planner is given latency models, not N', () => {
    const now = () => performance.now();
    const plans = [1, 64].map((factor) => {
      const co = new CoInference({
        model,
        manifest,
        device: flat(2),
        edge: flat(0.1),
        now,
        slowdown: new DeviceSlowdown(factor, now),
      });
      return [5, 20, 80].map((d) => co.plan(d).plan);
    });
    expect(plans[1]).toEqual(plans[0]);
  });
});
