/**
 * The live experiment: real co-inference through a running edge over a grid
 * of emulated links (the edge's link emulator, a fixed rate and delay) and
 * deadlines, with Fashion-MNIST test images, the page's static policy
 * (CoInference), and the simulation of the same cells (the replay simulator
 * on a constant trace of that rate, requests back to back) beside it.
 */
import { replay, summarize } from '@edgent/device';
import { HEADER_BYTES } from '@edgent/protocol';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { OpenDevice } from './device-setup';
import { plannerPaths } from './model-inputs';
import { testInputs } from './test-inputs';

/** One bandwidth x deadline cell, measured and simulated. */
export interface LiveCell {
  bandwidthBps: number;
  deadlineMs: number;
  requests: number;
  /** The estimate the device measured for this link before the cell, bit/s. */
  measuredBps: number | undefined;
  measured: { metRate: number; meanMs: number; p95Ms: number; correct: number };
  /** Share of requests whose measured total is within ±25% of the predicted one. */
  within25: number;
  /** Of the requests planned as feasible, the share that missed. */
  missedAmongFeasible: number;
  plans: Record<string, number>;
  simulated: { metRate: number; meanMs: number };
}

/** What the live run needs besides the device. */
export interface LiveOptions {
  bandwidths: number[];
  delay: number;
  deadlines: number[];
  images: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** Runs every cell; a progress bar on stderr. */
export async function runLive(device: OpenDevice, options: LiveOptions): Promise<LiveCell[]> {
  const { session, co, manifest, deviceProfile, edgeProfile } = device;
  const inputs = testInputs(options.images, manifest.architecture.input);
  const pixels = inputs.map((x) => x.pixels);
  const labels = inputs.map((x) => x.label as number);
  const bar = new SingleBar({
    format: 'live |{bar}| {value}/{total} requests, cell {cell}',
    barsize: 24,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
  bar.start(options.bandwidths.length * options.deadlines.length * options.images, 0, { cell: '' });
  const cells: LiveCell[] = [];
  for (const bandwidthBps of options.bandwidths) {
    await session.setLink({
      type: 'link',
      mode: 'fixed',
      rateBps: bandwidthBps,
      delayMs: options.delay,
    });
    const measuredBps = co.bandwidth?.bps;
    for (const deadlineMs of options.deadlines) {
      const totals: number[] = [];
      let met = 0;
      let within = 0;
      let feasible = 0;
      let missedFeasible = 0;
      let correct = 0;
      const plans: Record<string, number> = {};
      for (let i = 0; i < options.images; i++) {
        bar.increment({ cell: `${bandwidthBps / 1000} kbit/s, ${deadlineMs} ms` });
        await session.probeIfDue(deadlineMs);
        const r = await session.classify(pixels[i] as Uint8Array, deadlineMs);
        const total = r.measured.total;
        totals.push(total);
        const ok = total <= deadlineMs;
        if (ok) met++;
        if (Math.abs(total - r.plan.predicted.total) <= 0.25 * r.plan.predicted.total) within++;
        if (r.plan.feasible) {
          feasible++;
          if (!ok) missedFeasible++;
        }
        if (r.label === labels[i]) correct++;
        const key = `${r.plan.exit}/${r.plan.partition}`;
        plans[key] = (plans[key] ?? 0) + 1;
      }
      // The same cell simulated: a constant link at this rate, the emulator's delay each way.
      const simulated = summarize(
        await replay(
          {
            paths: plannerPaths(manifest),
            device: deviceProfile.latency,
            edge: edgeProfile.latency,
            classes: manifest.architecture.classes,
            encoding: co.encoding,
            headerBytes: HEADER_BYTES,
            trace: { t: [0], mbps: [bandwidthBps / 1e6] },
            intervalMs: 1,
            rttMs: 2 * options.delay,
            deadlineMs,
            durationS: 30,
          },
          'edgent-static',
        ),
      );
      const n = options.images;
      cells.push({
        bandwidthBps,
        deadlineMs,
        requests: n,
        measuredBps,
        measured: {
          metRate: met / n,
          meanMs: totals.reduce((a, b) => a + b, 0) / n,
          p95Ms: quantile(totals, 0.95),
          correct: correct / n,
        },
        within25: within / n,
        missedAmongFeasible: feasible ? missedFeasible / feasible : Number.NaN,
        plans,
        simulated: { metRate: simulated.metRate, meanMs: simulated.meanMs },
      });
    }
  }
  bar.stop();
  await session.setLink({ type: 'link', mode: 'off' });
  return cells;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '–');

/** Measured against simulated deadline-met rate, and predictions within ±25%, per cell. */
export function liveTable(cells: LiveCell[]): string {
  const t = new Table({
    head: ['link', 'deadline', 'met (measured)', 'met (simulated)', 'within ±25%', 'plans'],
    style: { head: [], border: [] },
  });
  for (const c of cells) {
    t.push([
      `${c.bandwidthBps / 1000} kbit/s`,
      `${c.deadlineMs} ms`,
      pct(c.measured.metRate),
      pct(c.simulated.metRate),
      pct(c.within25),
      Object.entries(c.plans)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', '),
    ]);
  }
  return t.toString();
}
