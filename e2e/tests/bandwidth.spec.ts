import type { CompiledPlanner, Encoding } from '@edgent/planner';
import { T } from '../../apps/web/src/testids';
import type { EdgentPage } from '../support/edgent-page';
import { robustPlan, settleAt } from '../support/link';
import {
  cut,
  type EdgeSide,
  fetchEdgeSide,
  plannerFor,
  samePlan,
  towardDevice,
  withLayers,
} from '../support/planner';
import { expect, test } from '../support/test';

const FAST_KBPS = 5000;
const SLOW_KBPS = 100;

test('a slower simulated link moves the plan as the planner says: toward the device or an earlier exit', async ({
  edgent,
  request,
}) => {
  test.setTimeout(180_000);
  await edgent.open();
  await edgent.waitConnected();

  // The planner the page uses, compiled here from the same profiles.
  const side = await fetchEdgeSide(request);
  const planner = plannerFor(
    side,
    await edgent.deviceLatency(),
    (await edgent.encoding()) as Encoding,
  );
  // A deadline at which the planner moves the plan between the two rates, for any
  // estimate within 25% of each: the test then checks a move, not a coincidence. (Where
  // the device beats the edge at both rates, as on a fast machine over loopback, no
  // deadline moves it, and the plan must stay device-only.)
  const input = edgent.id(T.deadline);
  const min = Number((await input.getAttribute('min')) ?? 1);
  const max = Number((await input.getAttribute('max')) ?? 1000);
  const chosen = chooseDeadline(planner, side, await shownRtt(edgent), min, max);
  const deadlineMs =
    chosen === undefined ? await edgent.deadline() : await edgent.setDeadline(chosen);
  if (chosen !== undefined) expect(deadlineMs, 'the page took the deadline').toBe(chosen);
  test.info().annotations.push({
    type: 'deadline',
    description: `${deadlineMs} ms (${chosen === undefined ? 'no deadline moves the plan robustly; the page default' : 'chosen with the planner'})`,
  });

  // The page plans with its profiles corrected by what its answers measured (online
  // calibration): so does the planner that checks it, with the correction read just before
  // each answer (on this shared machine the device's speed swings by 2x and more).
  let calibration = await edgent.calibration();
  const readCalibration = async () => {
    calibration = await edgent.calibration();
  };
  await edgent.setFixedLink(FAST_KBPS);
  const fast = {
    ...(await settleAt(edgent, FAST_KBPS, { timeout: 45_000, before: readCalibration })),
    calibration,
  };
  await edgent.setFixedLink(SLOW_KBPS);
  const slow = {
    ...(await settleAt(edgent, SLOW_KBPS, { timeout: 60_000, before: readCalibration })),
    calibration,
  };

  const expected = (shown: typeof fast) =>
    withLayers(
      side,
      planner.plan({
        bandwidthBps: shown.bandwidth.bps,
        rttMs: shown.bandwidth.rttMs,
        deadlineMs,
        ...shown.calibration,
      }),
    );
  const expectFast = expected(fast);
  const expectSlow = expected(slow);
  test.info().annotations.push({
    type: 'calibration',
    description: `fast ${JSON.stringify(fast.calibration)}, slow ${JSON.stringify(slow.calibration)}`,
  });
  test.info().annotations.push({
    type: 'plans',
    description: `at ${fast.bandwidth.bps} bit/s: page ${cut(fast.result.plan)}, planner ${cut(expectFast)}; at ${slow.bandwidth.bps} bit/s: page ${cut(slow.result.plan)}, planner ${cut(expectSlow)}`,
  });

  expect(fast.result.plan.online).toBe(true);
  expect(slow.result.plan.online).toBe(true);
  if (towardDevice(expectFast, expectSlow)) {
    expect(
      towardDevice(fast.result.plan, slow.result.plan),
      `the planner moves from ${cut(expectFast)} to ${cut(expectSlow)}; the page went from ${cut(fast.result.plan)} to ${cut(slow.result.plan)}`,
    ).toBe(true);
  }
  // Where the planner's answer at the estimate the page showed does not hinge on its last
  // digits (10% of the bandwidth, 1 ms of RTT), the page gives exactly that answer.
  for (const [shown, rate] of [
    [fast, FAST_KBPS],
    [slow, SLOW_KBPS],
  ] as const) {
    const robust = robustPlan(
      planner,
      { rateBps: shown.bandwidth.bps, rttMs: shown.bandwidth.rttMs },
      deadlineMs,
      'narrow',
      shown.calibration,
    );
    if (robust) {
      expect(
        samePlan(shown.result.plan, robust),
        `at ${rate} kbit/s the planner says ${cut(robust)}, the page shows ${cut(shown.result.plan)}`,
      ).toBe(true);
    }
  }
});

/**
 * The middle of the longest run of deadlines (whole ms in [min, max]) at
 * which the planner's plan is robust at both rates and moves toward the
 * device or an earlier exit; failing that, where it stays device-only.
 */
function chooseDeadline(
  planner: CompiledPlanner,
  side: EdgeSide,
  rttMs: number,
  min: number,
  max: number,
): number | undefined {
  const runs = (accept: (d: number) => boolean): number[][] => {
    const found: number[][] = [];
    let run: number[] = [];
    for (let d = Math.max(1, Math.ceil(min)); d <= Math.floor(max); d++) {
      if (accept(d)) run.push(d);
      else if (run.length > 0) {
        found.push(run);
        run = [];
      }
    }
    if (run.length > 0) found.push(run);
    return found;
  };
  const plansAt = (d: number) => {
    const fast = robustPlan(planner, { rateBps: FAST_KBPS * 1000, rttMs }, d, 'wide');
    const slow = robustPlan(planner, { rateBps: SLOW_KBPS * 1000, rttMs }, d, 'wide');
    return fast && slow
      ? { fast: withLayers(side, fast), slow: withLayers(side, slow) }
      : undefined;
  };
  const moves = runs((d) => {
    const p = plansAt(d);
    return p !== undefined && towardDevice(p.fast, p.slow) && !samePlan(p.fast, p.slow);
  });
  const stays = runs((d) => {
    const p = plansAt(d);
    return p !== undefined && towardDevice(p.fast, p.slow);
  });
  const longest = [moves, stays]
    .map((found) => found.sort((a, b) => b.length - a.length)[0])
    .find((run) => run !== undefined);
  return longest?.[Math.floor(longest.length / 2)];
}

/** The RTT the page measured to the edge (it probes the link once connected). */
async function shownRtt(edgent: EdgentPage): Promise<number> {
  await expect.poll(() => edgent.bandwidth(), { message: 'a first link estimate' }).toBeDefined();
  return (await edgent.bandwidth())?.rttMs ?? 0;
}
