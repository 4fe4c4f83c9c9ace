/**
 * Configuration-map lookup cost: builds a map from every shared trace
 * (log-spaced states x deadlines, plans from the Edgent planner on the
 * shipped B-AlexNet and its shipped profiles), then times
 * batches of `lookup` on a pseudo-random stream of bandwidths and deadlines,
 * warm-up first, and reports the median nanoseconds per lookup over the runs.
 *
 *   npx tsx bench/config-map.ts [--states 16] [--deadlines 8] [--runs 15]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DeviceProfile, describeModel, type ModelManifest } from '@edgent/model';
import {
  buildConfigMap,
  compilePlanner,
  lookup,
  parseTrace,
  statesFromTraces,
} from '@edgent/planner';
import { median, writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    states: { type: 'string', default: '16' },
    deadlines: { type: 'string', default: '8' },
    runs: { type: 'string', default: '15' },
    traces: { type: 'string', default: join(import.meta.dirname, '..', 'traces') },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'config-map') },
  },
});
const k = Number(flags.states);
const nDeadlines = Number(flags.deadlines);
const runs = Number(flags.runs);
for (const [name, v] of [
  ['--states', k],
  ['--deadlines', nDeadlines],
  ['--runs', runs],
] as const) {
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`${name} must be a whole number >= 1, got ${v}`);
}

const dir = join(flags.traces, 'norway-hsdpa');
const traces = readdirSync(dir)
  .filter((f) => f.endsWith('.tsv'))
  .map((f) => parseTrace(readFileSync(join(dir, f), 'utf8'), f));
const deadlines = Array.from({ length: nDeadlines }, (_, i) => 50 * (i + 1));
const modelDir = join(import.meta.dirname, '..', 'models', 'b-alexnet-fmnist');
const readJson = <T>(file: string): T =>
  JSON.parse(readFileSync(join(modelDir, file), 'utf8')) as T;
const manifest = readJson<ModelManifest>('manifest.json');
const planner = compilePlanner(
  describeModel(manifest.architecture).map((p) => ({
    ...p,
    accuracy: manifest.evaluation?.exits[p.exit]?.accuracy ?? 0,
  })),
  readJson<DeviceProfile>('profiles/device.json').latency,
  readJson<DeviceProfile>('profiles/edge.json').latency,
  { encoding: 'int8', classes: manifest.architecture.classes },
);
const planFn = (bps: number, deadlineMs: number) =>
  planner.plan({ bandwidthBps: bps, rttMs: 20, deadlineMs });
const map = buildConfigMap(statesFromTraces(traces, k, { method: 'log' }), deadlines, planFn);

// A fixed stream of queries (LCG), so every run does the same work.
const N = 1 << 16;
const bw = new Float64Array(N);
const dl = new Float64Array(N);
let seed = 12345;
const next = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
};
for (let i = 0; i < N; i++) {
  bw[i] = Math.exp(Math.log(5e4) + next() * Math.log(200));
  dl[i] = 20 + next() * 500;
}

function batch(): number {
  let sink = 0;
  for (let i = 0; i < N; i++) sink += lookup(map, bw[i] as number, dl[i] as number).partition;
  return sink;
}

for (let i = 0; i < 20; i++) batch();
const nsPerLookup: number[] = [];
let check = 0;
for (let r = 0; r < runs; r++) {
  const t0 = process.hrtime.bigint();
  check += batch();
  nsPerLookup.push(Number(process.hrtime.bigint() - t0) / N);
}

const machine = `${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, Node ${process.version}`;
const result = {
  machine,
  states: map.representativeBps.length,
  deadlines: nDeadlines,
  lookupsPerRun: N,
  runs,
  medianNsPerLookup: median(nsPerLookup),
  nsPerLookup,
  check,
};
const md = `# Configuration-map lookup

${machine}. Map of ${result.states} log-spaced states (from ${traces.length} traces) x ${nDeadlines} deadlines,
plans from the Edgent planner on the shipped B-AlexNet profiles (int8, RTT 20 ms).
${runs} runs of ${N} lookups after 20 warm-up runs.

| median ns per lookup | min | max |
|---|---|---|
| ${result.medianNsPerLookup.toFixed(1)} | ${Math.min(...nsPerLookup).toFixed(1)} | ${Math.max(...nsPerLookup).toFixed(1)} |
`;
const path = await writeReport(flags.out, result, md);
process.stdout.write(`${md}\nwritten to ${path}\n`);
