/**
 * Planner speed: static Edgent decisions per second and microseconds per
 * decision, for the shipped B-AlexNet (5 exits, its shipped device and edge
 * profiles and measured accuracies) and a synthetic 10-exit, 60-layer model
 * (fake but plausible latency models). Each run times the same list of
 * random (bandwidth, RTT, deadline) inputs; warm-up runs first, then the
 * median over runs.
 *
 *   pnpm bench:planner [--runs 9] [--decisions 20000]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DeviceProfile, describeModel, type ModelManifest, seededRng } from '@edgent/model';
import { describeMachine } from '@edgent/model/node';
import {
  type CompiledPlanner,
  compilePlanner,
  type LatencyModel,
  type LayerKind,
  type PlanInput,
  type PlannerLayer,
  type PlannerPath,
} from '@edgent/planner';
import { median, writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    decisions: { type: 'string', default: '20000' },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'planner') },
  },
});
const runs = Number(flags.runs);
const decisions = Number(flags.decisions);
if (!Number.isInteger(runs) || runs < 3) throw new Error(`--runs must be >= 3, got ${flags.runs}`);
if (!Number.isInteger(decisions) || decisions < 100)
  throw new Error(`--decisions must be >= 100, got ${flags.decisions}`);

const modelDir = join(import.meta.dirname, '..', 'models', 'b-alexnet-fmnist');
const readJson = <T>(file: string): T =>
  JSON.parse(readFileSync(join(modelDir, file), 'utf8')) as T;
const manifest = readJson<ModelManifest>('manifest.json');
const shipped = {
  device: readJson<DeviceProfile>('profiles/device.json').latency,
  edge: readJson<DeviceProfile>('profiles/edge.json').latency,
};
const alexnet: PlannerPath[] = describeModel(manifest.architecture).map((p) => ({
  ...p,
  accuracy: manifest.evaluation?.exits[p.exit]?.accuracy ?? 0,
}));

// For the synthetic model: a slow device and an edge 50x faster.
const kinds: LatencyModel['kinds'] = {
  conv2d: { intercept: 0.3, weights: [1e-4, 0.02] },
  relu: { intercept: 0.05, weights: [2e-6] },
  maxpool: { intercept: 0.05, weights: [3e-6, 3e-6] },
  lrn: { intercept: 0.1, weights: [1e-5] },
  dropout: { intercept: 0.01, weights: [1e-7] },
  dense: { intercept: 0.1, weights: [3e-4, 1e-3] },
};
const fake = {
  device: { backend: 'fake', device: 'fake device', kinds, calibration: 10 } as LatencyModel,
  edge: { backend: 'fake', device: 'fake edge', kinds, calibration: 0.2 } as LatencyModel,
};

/** 10 exits on a 60-layer trunk: exit e branches after 6(e+1) layers with 3 layers of its own. */
function synthetic(): PlannerPath[] {
  const rng = seededRng(7);
  const kinds: LayerKind[] = ['conv2d', 'relu', 'maxpool', 'lrn', 'dropout', 'dense'];
  const layer = (index: number, kind: LayerKind): PlannerLayer => {
    const size = Math.round(1000 + 50000 * rng());
    const features =
      kind === 'conv2d'
        ? [size, 9 * 64]
        : kind === 'maxpool' || kind === 'dense'
          ? [size, Math.round(size / 4)]
          : [size];
    return { index, name: `l${index}`, kind, features, outputBytes: 4 * Math.round(size / 2) };
  };
  const trunk = Array.from({ length: 60 }, (_, i) => layer(i, kinds[i % 4] as LayerKind));
  return Array.from({ length: 10 }, (_, e) => {
    const after = e === 9 ? 60 : 6 * (e + 1);
    const branch = e === 9 ? [] : [layer(after, 'conv2d'), layer(after + 1, 'relu')];
    const classifier = e === 9 ? [] : [layer(after + 2, 'dense')];
    const layers = [...trunk.slice(0, after), ...branch, ...classifier].map((l, index) => ({
      ...l,
      index,
    }));
    return {
      exit: e,
      layers,
      inputBytes: 4 * 3072,
      rawInputBytes: 3072,
      accuracy: 0.8 + 0.012 * e,
    };
  });
}

function inputs(n: number): PlanInput[] {
  const rng = seededRng(11);
  return Array.from({ length: n }, () => ({
    bandwidthBps: 10 ** (4.7 + 1.6 * rng()), // 50 kbit/s .. 2 Mbit/s
    rttMs: 40 * rng(),
    deadlineMs: 10 ** (1.3 + 1.7 * rng()), // 20 ms .. 1 s
  }));
}

function time(planner: CompiledPlanner, list: readonly PlanInput[]): { us: number; check: number } {
  let check = 0;
  const t0 = performance.now();
  for (const input of list) check += planner.plan(input).partition;
  const ms = performance.now() - t0;
  return { us: (ms * 1000) / list.length, check };
}

const certain = inputs(decisions);
const machine = describeMachine();
const load = loadavg().map((x) => Math.round(x * 100) / 100);
const results = [];
const risky: PlanInput[] = certain.map((i) => ({ ...i, bandwidthLogSd: 0.2 }));
for (const [name, paths, models, search, list] of [
  ['b-alexnet (5 exits), shipped profiles', alexnet, shipped, 'paper', certain],
  ['b-alexnet (5 exits), shipped profiles', alexnet, shipped, 'risk-aware, sd 0.2', risky],
  ['synthetic (10 exits, 60-layer trunk), fake profiles', synthetic(), fake, 'paper', certain],
  [
    'synthetic (10 exits, 60-layer trunk), fake profiles',
    synthetic(),
    fake,
    'risk-aware, sd 0.2',
    risky,
  ],
] as const) {
  const planner = compilePlanner(paths, models.device, models.edge, {
    encoding: 'int8',
    classes: 10,
  });
  const candidates = paths.reduce((s, p) => s + p.layers.length + 1, 0);
  for (let w = 0; w < 3; w++) time(planner, list);
  const us: number[] = [];
  let check = 0;
  for (let r = 0; r < runs; r++) {
    const t = time(planner, list);
    us.push(t.us);
    check += t.check;
  }
  const feasible = list.filter((i) => planner.plan(i).feasible).length / list.length;
  const usMedian = median(us);
  results.push({
    model: name,
    search,
    exits: paths.length,
    longestPath: Math.max(...paths.map((p) => p.layers.length)),
    candidates,
    usPerDecision: Math.round(usMedian * 1000) / 1000,
    decisionsPerSecond: Math.round(1e6 / usMedian),
    runsUs: us.map((x) => Math.round(x * 1000) / 1000),
    feasibleShare: Math.round(feasible * 1000) / 1000,
    checksum: check,
  });
}

const json = { machine, loadavgAtStart: load, runs, decisions, encoding: 'int8', results };
const md = [
  '# Planner speed',
  '',
  `Edgent decisions (\`plan\`) on ${decisions} seeded random (bandwidth, RTT, deadline)`,
  `inputs per run (50 kbit/s-2 Mbit/s, RTT 0-40 ms, deadlines 20 ms-1 s); 3 warm-up runs,`,
  `then the median of ${runs}; int8 encoding. B-AlexNet uses the shipped profiles`,
  '(`models/b-alexnet-fmnist/profiles/`), the synthetic model fake latency models.',
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node},`,
  `${machine.platform}; load average at start ${load.join(' / ')}.`,
  '',
  'Search "paper": the most accurate exit meeting the deadline on the estimate as if certain;',
  '"risk-aware": the highest expected effective accuracy with log bandwidth Student-t (3 degrees of freedom, scale 0.2).',
  '',
  '| model | search | exits | longest path | (exit, p) pairs | us / decision | decisions / s | feasible |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.model} | ${r.search} | ${r.exits} | ${r.longestPath} | ${r.candidates} | ${r.usPerDecision} | ${r.decisionsPerSecond.toLocaleString('en-US')} | ${r.feasibleShare} |`,
  ),
  '',
].join('\n');
process.stdout.write(`${md}\n`);
process.stdout.write(`wrote ${await writeReport(flags.out as string, json, md)}\n`);
