/**
 * Slicing overhead: runs each exit path of the shipped model as two slices
 * ([0, p) then [p, end)) and as one call ([0, end)), side by side in one run,
 * interleaved, on wasm in Node, and reports the medians and their ratio.
 *
 *   pnpm bench:slicing [--reps 41] [--model-dir DIR]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  bAlexNet,
  describeMachine,
  describePath,
  initialWeights,
  type MultiExitModel,
  modelFromWeights,
  readModelDir,
  runSlice,
  seededRng,
  tf,
  useBackend,
} from '@edgent/model/node';
import { median, writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    reps: { type: 'string', default: '41' },
    'model-dir': {
      type: 'string',
      default: join(import.meta.dirname, '..', 'models', 'b-alexnet-fmnist'),
    },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'slicing') },
  },
});
const reps = Number(flags.reps);
if (!Number.isInteger(reps) || reps < 3)
  throw new Error(`--reps must be a whole number >= 3, got ${flags.reps}`);

await useBackend('wasm');
const dir = flags['model-dir'] as string;
const shipped = existsSync(join(dir, 'manifest.json'));
const model: MultiExitModel = shipped
  ? await readModelDir(dir).then(({ manifest, weights }) =>
      modelFromWeights(manifest.architecture, weights),
    )
  : modelFromWeights(bAlexNet(), initialWeights(bAlexNet(), seededRng(1)));

const x = tf.tensor4d(
  new Float32Array(28 * 28).map((_, i) => (i % 29) / 29),
  [1, 28, 28, 1],
);
const time = (f: () => tf.Tensor) => {
  const t0 = performance.now();
  const y = f();
  y.dataSync();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
};

interface Row {
  exit: number;
  partition: number;
  layers: number;
  wholeMs: number;
  slicedMs: number;
  overhead: number;
}
const rows: Row[] = [];
const pairRatios: number[] = [];
for (let e = 0; e < model.spec.exits.length; e++) {
  const n = describePath(model.spec, e).layers.length;
  const whole = () => runSlice(model, e, 0, n, x);
  for (let p = 1; p < n; p++) {
    const sliced = () => {
      const head = runSlice(model, e, 0, p, x);
      const tail = runSlice(model, e, p, n, head);
      head.dispose();
      return tail;
    };
    for (let w = 0; w < 5; w++) {
      time(whole);
      time(sliced);
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < reps; r++) {
      // Alternate the order so drift and cache effects fall on both alike.
      if (r % 2) {
        a.push(time(whole));
        b.push(time(sliced));
      } else {
        b.push(time(sliced));
        a.push(time(whole));
      }
      pairRatios.push((b.at(-1) as number) / (a.at(-1) as number));
    }
    const wholeMs = median(a);
    const slicedMs = median(b);
    rows.push({
      exit: e,
      partition: p,
      layers: n,
      wholeMs,
      slicedMs,
      overhead: slicedMs / wholeMs - 1,
    });
  }
}
x.dispose();

const machine = describeMachine();
const overall = median(rows.map((r) => r.overhead));
const overallPaired = median(pairRatios) - 1;
const worst = rows.reduce((m, r) => (r.overhead > m.overhead ? r : m), rows[0] as Row);
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const md = [
  '# Slicing overhead',
  '',
  `Each exit path of ${shipped ? `the shipped model \`${model.spec.id}\`` : 'B-AlexNet with seeded random weights (no shipped model found)'} run as two slices \`[0, p)\` + \`[p, end)\` against one call \`[0, end)\`, batch 1, interleaved in one run: ${reps} timed runs of each after 5 warm-up pairs, per (exit, partition). Each timing ends with \`dataSync()\`.`,
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. Backend: tfjs ${tf.version_core} wasm (SIMD, 1 thread).`,
  '',
  `**Median overhead over all ${rows.length} (exit, partition) pairs: ${pct(overall)}** (median of per-run paired ratios: ${pct(overallPaired)}; worst pair: exit ${worst.exit}, p ${worst.partition}, ${pct(worst.overhead)}).`,
  '',
  '| exit | p | layers | one call (ms, median) | two slices (ms, median) | overhead |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.exit} | ${r.partition} | ${r.layers} | ${r.wholeMs.toFixed(3)} | ${r.slicedMs.toFixed(3)} | ${pct(r.overhead)} |`,
  ),
  '',
  'Produced by `pnpm bench:slicing`.',
  '',
].join('\n');
const path = await writeReport(
  flags.out as string,
  {
    machine,
    backend: 'wasm',
    tfjs: tf.version_core,
    reps,
    shipped,
    medianOverhead: overall,
    medianPairedOverhead: overallPaired,
    rows,
  },
  md,
);
process.stdout.write(
  `median slicing overhead ${pct(overall)} over ${rows.length} pairs (paired ${pct(overallPaired)}); report: ${path}\n`,
);
