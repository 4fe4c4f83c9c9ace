import type { Encoding } from '@edgent/planner';
import { T } from '../../apps/web/src/testids';
import type { EdgentPage } from '../support/edgent-page';
import { robustPlan, settleAt } from '../support/link';
import {
  cut,
  fetchEdgeSide,
  plannerFor,
  samePlan,
  towardDevice,
  withLayers,
} from '../support/planner';
import { expect, test } from '../support/test';

/**
 * Device emulation in the page (issue 11): "simulated device speed x16" makes
 * the head really take 16 times as long, profiling included, and the planner
 * sees only what the page measures.
 */
const SLOWDOWN = 16;
/** Profiling takes about SLOWDOWN times as long; this bounds the wait, not what is asserted. */
const REPROFILE_TIMEOUT_MS = 300_000;
const FAST_KBPS = 5000;
/**
 * Slow links to try, fastest first. How slow a link must be before the slowed device beats
 * sending the image depends on how slow this machine made the device (x16 of a time that swings
 * 2x): the test takes the fastest at which the page's calibrated profile moves the plan toward the
 * device with the link 1.5 times faster too.
 */
const SLOW_KBPS = [100, 70, 50, 35, 25];

/** The fastest measured device time of `n` answers (gallery images), ms. */
async function measuredDeviceMs(edgent: EdgentPage, n: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    await edgent.classifyGalleryItem(i);
    best = Math.min(best, Number(await edgent.id(T.measured('device')).getAttribute('data-ms')));
  }
  return best;
}

test(`a device slowed x${SLOWDOWN} measures its head that much slower, and a slower link moves its plan toward the device`, async ({
  edgent,
  request,
}) => {
  test.setTimeout(600_000);
  await edgent.open();
  await edgent.waitConnected();
  const side = await fetchEdgeSide(request);
  const encoding = (await edgent.encoding()) as Encoding;
  const deadlineMs = await edgent.setDeadline(
    Number((await edgent.id(T.deadline).getAttribute('max')) ?? 1000),
  );
  const last = side.paths[side.paths.length - 1];
  if (!last) throw new Error('no exit paths');
  const layers = last.layers.length;

  // The whole model on the device, as it is: its measured head time.
  await edgent.classifyGalleryItem(0);
  await edgent.pinPlan(last.exit, layers);
  const asIs = {
    measured: await measuredDeviceMs(edgent, 3),
    profiled: await edgent.deviceOnlyMs(),
  };

  // Slowed: the page profiles again at that speed, and the same plan measures that much slower.
  await edgent.id(T.deviceSlowdown).selectOption(String(SLOWDOWN));
  await expect(edgent.id(T.deviceSlowdown)).toHaveAttribute('data-applied', String(SLOWDOWN));
  await expect(edgent.id(T.profileStatus)).toHaveText('profiling');
  await edgent.waitProfiled(REPROFILE_TIMEOUT_MS);
  const slowed = {
    measured: await measuredDeviceMs(edgent, 3),
    profiled: await edgent.deviceOnlyMs(),
  };
  test.info().annotations.push({
    type: 'device time',
    description: `device-only measured ${asIs.measured} -> ${slowed.measured} ms, profiled ${asIs.profiled} -> ${slowed.profiled} ms at x${SLOWDOWN}`,
  });
  // x16 nominal; the machine's own timings swing 2x either way. The profile as is was taken at
  // page start, when a busy moment once made it 6x the measured time (13.96 ms, slowed 34.66):
  // the slowed profile is compared with the faster of the two as-is times.
  expect(slowed.measured, 'measured device time, slowed vs as is').toBeGreaterThan(
    4 * asIs.measured,
  );
  expect(slowed.profiled, 'profiled device-only time, slowed vs as is').toBeGreaterThan(
    4 * Math.min(asIs.profiled, asIs.measured),
  );
  await edgent.id(T.unpin).click();
  await expect(edgent.id(T.planSource)).toHaveAttribute('data-pinned', 'false');

  // A fast link: the answer planned with an estimate at which the planner's choice for the slowed
  // profile is robust; then a slow one, where it robustly moves toward the device.
  const planner = plannerFor(side, await edgent.deviceLatency(), encoding);
  await edgent.setFixedLink(FAST_KBPS);
  // The page plans with its profile corrected by what its answers measured (online calibration):
  // so does the planner that checks its choices, with the correction read before each answer.
  let calibration = await edgent.calibration();
  test.info().annotations.push({ type: 'calibration', description: JSON.stringify(calibration) });
  const fast = await settleAt(edgent, FAST_KBPS, {
    timeout: 60_000,
    accept: (bw) =>
      robustPlan(
        planner,
        { rateBps: bw.bps, rttMs: bw.rttMs },
        deadlineMs,
        'narrow',
        calibration,
      ) !== undefined,
    acceptWhat: 'an estimate at which the planner is robust',
    before: async () => {
      calibration = await edgent.calibration();
    },
  });
  const movesTowardDevice = (rateBps: number, rttMs: number) => {
    const robust = robustPlan(planner, { rateBps, rttMs }, deadlineMs, 'narrow', calibration);
    return (
      robust !== undefined &&
      towardDevice(fast.result.plan, withLayers(side, robust)) &&
      !samePlan(fast.result.plan, robust)
    );
  };
  const slowKbps =
    SLOW_KBPS.find(
      (kbps) =>
        movesTowardDevice(kbps * 1000, fast.bandwidth.rttMs) &&
        movesTowardDevice(1.5 * kbps * 1000, fast.bandwidth.rttMs),
    ) ?? (SLOW_KBPS.at(-1) as number);
  await edgent.setFixedLink(slowKbps);
  const slow = await settleAt(edgent, slowKbps, {
    timeout: 120_000,
    accept: (bw) => movesTowardDevice(bw.bps, bw.rttMs),
    acceptWhat: 'an estimate at which the planner robustly moves the plan toward the device',
    before: async () => {
      calibration = await edgent.calibration();
    },
  });
  test.info().annotations.push({
    type: 'plans',
    description: `x${SLOWDOWN}: ${cut(fast.result.plan)} at ${FAST_KBPS} kbit/s -> ${cut(slow.result.plan)} at ${slowKbps} kbit/s`,
  });
  expect(
    towardDevice(fast.result.plan, slow.result.plan),
    `the page moved from ${cut(fast.result.plan)} to ${cut(slow.result.plan)}`,
  ).toBe(true);
  expect(samePlan(fast.result.plan, slow.result.plan)).toBe(false);
});
