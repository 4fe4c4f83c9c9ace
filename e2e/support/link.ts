import type { CompiledPlanner, Plan, PlanInput } from '@edgent/planner';
import type { EdgentPage, ShownBandwidth, ShownResult } from './edgent-page';

/** How far the page's estimate may be from the emulated rate. */
const ESTIMATE_TOLERANCE = 0.25;

/** Whether `bps` is within {@link ESTIMATE_TOLERANCE} of `rateBps`. */
function near(bps: number, rateBps: number): boolean {
  return Math.abs(bps - rateBps) <= ESTIMATE_TOLERANCE * rateBps;
}

/**
 * Classifies gallery images until one is planned with an estimate within
 * 25% of `rateKbps` for which `accept` holds too (`acceptWhat` says what it
 * checks); returns that answer and the estimate. The estimate a plan used is
 * the one shown just before its request (the page shows no other). Between
 * requests it leaves the page idle until its estimate changes (the page
 * probes the link when idle), as a person clicking would.
 */
export async function settleAt(
  edgent: EdgentPage,
  rateKbps: number,
  options: {
    timeout: number;
    accept?: (bandwidth: ShownBandwidth) => boolean;
    acceptWhat?: string;
    /** Reads what else the answer is planned with, just before each request. */
    before?: () => Promise<void>;
  },
): Promise<{ result: ShownResult; bandwidth: ShownBandwidth }> {
  const { timeout, accept = () => true, acceptWhat = '' } = options;
  const rateBps = rateKbps * 1000;
  const end = Date.now() + timeout;
  const gallery = Math.max(1, await edgent.galleryCount());
  let last: { result: ShownResult; bandwidth: ShownBandwidth | undefined } | undefined;
  for (let i = 0; Date.now() < end; i++) {
    const bandwidth = await edgent.bandwidth();
    await options.before?.();
    const result = await edgent.classifyGalleryItem(i % gallery);
    last = { result, bandwidth };
    if (bandwidth && near(bandwidth.bps, rateBps) && accept(bandwidth)) {
      return { result, bandwidth };
    }
    // The page probes the link only when idle: let it, until the estimate moves.
    await estimateChange(
      edgent,
      await edgent.bandwidth(),
      Math.min(PROBE_WAIT_MS, end - Date.now()),
    );
  }
  throw new Error(
    `no answer planned with an estimate within 25% of ${rateKbps} kbit/s${acceptWhat ? ` and ${acceptWhat}` : ''} in ${timeout} ms; last: ${JSON.stringify(last)}`,
  );
}

/** Longest wait for the page's next idle probe, ms (it probes after 2 s idle). */
const PROBE_WAIT_MS = 5000;

/** Waits until the shown estimate differs from `from`, or `timeout` ms pass. */
async function estimateChange(
  edgent: EdgentPage,
  from: ShownBandwidth | undefined,
  timeout: number,
): Promise<void> {
  const end = Date.now() + timeout;
  const key = JSON.stringify(from);
  while (Date.now() < end && JSON.stringify(await edgent.bandwidth()) === key) {
    await edgent.page.waitForTimeout(100);
  }
}

/**
 * How far from an estimate a plan must stay the same to count as robust:
 * `wide` for choosing settings before the page has measured anything (any
 * estimate within 25% of the rate, RTT from 0 to 1.5x plus 2 ms); `narrow`
 * for checking an answer against the estimate shown just before it (10%, RTT
 * within 1 ms), which the page may have replaced with a newer one meanwhile.
 */
export type Spread = 'wide' | 'narrow';

const SPREADS: Record<Spread, { factors: number[]; rtts: (rttMs: number) => number[] }> = {
  wide: {
    factors: [1 - ESTIMATE_TOLERANCE, 1, 1 / (1 - ESTIMATE_TOLERANCE)],
    rtts: (rttMs) => [0, rttMs, 1.5 * rttMs + 2],
  },
  narrow: {
    factors: [0.9, 1, 1.1],
    rtts: (rttMs) => [Math.max(0, rttMs - 1), rttMs, rttMs + 1],
  },
};

/**
 * The plan on `link` at `deadlineMs` when it is the same all over `spread` around the link, else
 * undefined; `calibration`: the page's online correction of the latency models (EdgentPage.calibration).
 */
export function robustPlan(
  planner: CompiledPlanner,
  link: { rateBps: number; rttMs: number },
  deadlineMs: number,
  spread: Spread,
  calibration: Pick<PlanInput, 'deviceScale' | 'edgeExtraMs'> = {},
): Plan | undefined {
  const { factors, rtts } = SPREADS[spread];
  let first: Plan | undefined;
  for (const factor of factors) {
    for (const rttMs of rtts(link.rttMs)) {
      const plan = planner.plan({
        bandwidthBps: link.rateBps * factor,
        rttMs,
        deadlineMs,
        ...calibration,
      });
      if (!first) first = plan;
      else if (plan.exit !== first.exit || plan.partition !== first.partition) return undefined;
    }
  }
  return first;
}
