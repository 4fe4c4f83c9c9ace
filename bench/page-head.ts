/**
 * The device side in the page vs in Node: the default model's heads [0, p)
 * timed on WASM in headless Chromium (the built page, served by the edge)
 * and on WASM in Node, with the same code (timeJobs from @edgent/model:
 * interleaved rounds, fastest and median kept), side by side in one run;
 * and the page's first-visit profiling time (a fresh browser profile).
 *
 *   pnpm bench:page-head [--exit 4] [--runs 15] [--visits 3]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  describeMachine,
  describeModel,
  modelFromWeights,
  readModelDir,
  runSlice,
  type Timing,
  tf,
  timeJobs,
  useBackend,
} from '@edgent/model/node';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './src/chromium';
import { modelDir, startEdge } from './src/edge-process';
import { median, writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    exit: { type: 'string', default: '4' },
    runs: { type: 'string', default: '15' },
    visits: { type: 'string', default: '3' },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'page-head') },
  },
});
const exit = Number(flags.exit);
const runs = Number(flags.runs);
const visits = Number(flags.visits);
if (!Number.isInteger(runs) || runs < 3) throw new Error(`--runs must be >= 3, got ${flags.runs}`);
if (!Number.isInteger(visits) || visits < 1) throw new Error(`--visits must be >= 1`);

/** What the page exposes for benchmarks (apps/web/src/bench-hook.ts). */
interface PageHook {
  ready: Promise<void>;
  backend: () => string;
  timeHeads: (exit: number, partitions: number[], runs: number) => Promise<Timing[]>;
}

const { manifest, weights } = await readModelDir(modelDir);
const n = describeModel(manifest.architecture)[exit]?.layers.length;
if (n === undefined) throw new Error(`--exit ${exit}: the model has exits 0..4`);
const partitions = [
  ...new Set([1, Math.round(n / 4), Math.round(n / 2), Math.round((3 * n) / 4), n]),
];

// Node: the same heads, the same timing code.
await useBackend('wasm');
const model = modelFromWeights(manifest.architecture, weights);
const x = tf.randomUniform([1, ...manifest.architecture.input], 0, 1, 'float32', 1);
const timeNode = () =>
  timeJobs(
    partitions.map((p) => ({ run: () => runSlice(model, exit, 0, p, x) })),
    { warmup: 2, runs, now: () => performance.now() },
  );
// Node is timed before and after the page, so a slow spell of the machine shows as a gap.
const nodeBefore = await timeNode();

const { child, url } = await startEdge(1);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
const profilingMs: number[] = [];
let pageTimes: Timing[] = [];
let pageBackend = '';
try {
  for (let v = 0; v < visits; v++) {
    // A fresh browser context each time: a first visit, nothing cached.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    const status = page.getByTestId('profile-status');
    await status.filter({ hasText: 'ready' }).waitFor({ timeout: 120_000 });
    profilingMs.push(Number(await status.getAttribute('data-ms')));
    if (v === visits - 1) {
      await page.waitForFunction(() => 'edgentBench' in globalThis);
      pageBackend = await page.evaluate(() =>
        (globalThis as unknown as { edgentBench: PageHook }).edgentBench.backend(),
      );
      pageTimes = await page.evaluate(
        ([e, ps, r]) =>
          (globalThis as unknown as { edgentBench: PageHook }).edgentBench.timeHeads(e, ps, r),
        [exit, partitions, runs] as [number, number[], number],
      );
    }
    await context.close();
  }
} finally {
  await browser.close();
  child.kill('SIGINT');
}
const nodeAfter = await timeNode();

const r3 = (v: number) => Math.round(v * 1000) / 1000;
const rows = partitions.map((p, i) => {
  const before = nodeBefore[i] as Timing;
  const after = nodeAfter[i] as Timing;
  // The better of the two Node runs: the one the machine disturbed less.
  const node = before.median <= after.median ? before : after;
  const page = pageTimes[i] as Timing;
  return {
    partition: p,
    nodeMedianMs: r3(node.median),
    nodeMinMs: r3(node.min),
    nodeBeforeMedianMs: r3(before.median),
    nodeAfterMedianMs: r3(after.median),
    pageMedianMs: r3(page.median),
    pageMinMs: r3(page.min),
    pageOverNode: Math.round((100 * page.median) / node.median) / 100,
  };
});
const machine = describeMachine();
const json = { machine, exit, layers: n, runs, pageBackend, profilingMs, rows };
const md = [
  '# The head on the device: page vs Node',
  '',
  `\`pnpm bench:page-head --exit ${exit} --runs ${runs} --visits ${visits}\``,
  '',
  `Heads [0, p) of exit ${exit} (${n} layers) of the shipped model on one 28x28 image, timed by`,
  '`timeJobs` (@edgent/model): the mean of back-to-back calls over >= 1 ms per sample, 2 warm-up',
  `rounds, ${runs} interleaved rounds; median and fastest round. Node is timed before and after the page;`,
  'the table takes the run with the lower medians (both are in report.json). Page: the built page in headless',
  `Debian Chromium (backend ${pageBackend}, cross-origin isolated), served by \`edgent serve\`; Node: tfjs-backend-wasm in Node (one thread).`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}.`,
  '',
  '| p | Node median ms | page median ms | page / Node | Node fastest | page fastest |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.partition} | ${r.nodeMedianMs} | ${r.pageMedianMs} | ${r.pageOverNode} | ${r.nodeMinMs} | ${r.pageMinMs} |`,
  ),
  '',
  `First-visit profiling in the page (fresh browser profile, ${visits} visits): median ${(median(profilingMs) / 1000).toFixed(1)} s (${profilingMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s).`,
  '',
].join('\n');
process.stdout.write(`${md}\nwrote ${await writeReport(flags.out as string, json, md)}\n`);
process.exit(0);
