/**
 * Does "feasible" mean "met"? Real co-inference through a real edge, for an
 * earlier commit's device and edge (default: the commit before the risk-aware
 * planner and online calibration) and this checkout's, side by side in one
 * run: backend {cpu, wasm} x emulated link {100 kbit/s, 500 kbit/s, 2 Mbit/s,
 * 10 Mbit/s} x 4 deadlines per backend (tight and loose for each: the cpu
 * stand-in device takes about 32 ms for the whole model, wasm about 2 ms),
 * 30 Fashion-MNIST test images a cell, one every 100 ms. Each tree runs its
 * own edge (`edgent serve`, the shipped edge profile) and its own device code
 * (bench/src/honesty-driver.mjs inside the tree), with the probing its page
 * would do. Per cell: the median of measured / predicted total (target
 * 0.9-1.1), the share within ±25% (target >= 90%), and missed among the
 * requests planned feasible (target <= 5%).
 *
 * Then the same on a real kernel link where network namespaces can be made
 * (root): each tree's edge runs in a namespace joined by a veth pair that
 * `tc` shapes with a token bucket (the same rates, an 8 KiB burst, no added
 * delay), its emulation off; the device measures that link itself.
 *
 *   pnpm bench:honesty [--before a7e363a] [--images 30] [--interval-ms 100]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from '@edgent/model/node';
import { checkout } from './src/checkout';
import { startEdge } from './src/edge-process';
import { median, writeReport } from './src/report';
import { createShapedLink, shapedLinkUnavailable } from './src/shaped-link';

const { values: flags } = parseArgs({
  options: {
    before: { type: 'string', default: 'a7e363a' },
    images: { type: 'string', default: '30' },
    'interval-ms': { type: 'string', default: '100' },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'honesty') },
  },
});
const images = Number(flags.images);
const intervalMs = Number(flags['interval-ms']);
if (!Number.isInteger(images) || images < 1) throw new Error(`--images must be >= 1`);
if (!(intervalMs >= 0)) throw new Error(`--interval-ms must be >= 0`);
const root = join(import.meta.dirname, '..');
const RATES = [100e3, 500e3, 2e6, 10e6];
const DELAY_MS = 5;
/** The tc-shaped link's token bucket depth, bytes. */
const TC_BURST = 8192;
type LinkKind = 'emulated' | 'tc';
const DEADLINES: Record<'cpu' | 'wasm', number[]> = {
  cpu: [15, 30, 60, 150],
  wasm: [3, 8, 20, 60],
};

interface Answer {
  rateBps: number;
  deadlineMs: number;
  online: boolean;
  feasible: boolean;
  predictedMs: number;
  measuredMs: number;
}

interface Cell {
  tree: string;
  backend: 'cpu' | 'wasm';
  link: LinkKind;
  rateBps: number;
  deadlineMs: number;
  requests: number;
  medianRatio: number;
  within25: number;
  feasible: number;
  missedAmongFeasible: number;
  metRate: number;
}

function log(text: string): void {
  process.stderr.write(`honesty: ${text}\n`);
}

/**
 * Runs the driver inside `tree` against `edge` at each emulated rate (0: no emulation); resolves
 * with every answer.
 */
function drive(
  tree: string,
  edge: string,
  backend: 'cpu' | 'wasm',
  rates: number[] = RATES,
): Promise<Answer[]> {
  const driver = join(import.meta.dirname, 'src', 'honesty-driver.mjs');
  const args = [
    driver,
    tree,
    edge,
    backend,
    rates.join(','),
    DEADLINES[backend].join(','),
    String(images),
    String(intervalMs),
    String(DELAY_MS),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lines = 0;
    const total = rates.length * DEADLINES[backend].length * images;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const n = out.split('\n').length - 1;
      if (Math.floor(n / 60) > Math.floor(lines / 60)) log(`${backend}: ${n} of ${total} requests`);
      lines = n;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`the driver in ${tree} exited ${code}: ${err.slice(-2000)}`));
        return;
      }
      resolve(
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Answer),
      );
    });
  });
}

function cells(
  tree: string,
  backend: 'cpu' | 'wasm',
  answers: Answer[],
  link: LinkKind = 'emulated',
): Cell[] {
  const out: Cell[] = [];
  for (const rateBps of [...new Set(answers.map((x) => x.rateBps))]) {
    for (const deadlineMs of DEADLINES[backend]) {
      const a = answers.filter((x) => x.rateBps === rateBps && x.deadlineMs === deadlineMs);
      const feasible = a.filter((x) => x.feasible);
      out.push({
        tree,
        backend,
        link,
        rateBps,
        deadlineMs,
        requests: a.length,
        medianRatio: median(a.map((x) => x.measuredMs / x.predictedMs)),
        within25:
          a.filter((x) => Math.abs(x.measuredMs / x.predictedMs - 1) <= 0.25).length / a.length,
        feasible: feasible.length,
        missedAmongFeasible: feasible.length
          ? feasible.filter((x) => x.measuredMs > x.deadlineMs).length / feasible.length
          : Number.NaN,
        metRate: a.filter((x) => x.measuredMs <= x.deadlineMs).length / a.length,
      });
    }
  }
  return out;
}

const trees = [
  { name: `before (${flags.before})`, ...checkout(flags.before as string, { log }) },
  { name: 'after (this checkout)', dir: root, sha: 'HEAD' },
];
const all: Cell[] = [];
const t0 = performance.now();
for (const tree of trees) {
  log(`${tree.name}: starting its edge`);
  const { child, url } = await startEdge(1, { root: tree.dir });
  try {
    for (const backend of ['cpu', 'wasm'] as const) {
      log(`${tree.name}: ${backend} device`);
      all.push(...cells(tree.name, backend, await drive(tree.dir, url, backend)));
    }
  } finally {
    child.kill('SIGTERM');
  }
}
const tcUnavailable = shapedLinkUnavailable();
if (tcUnavailable) log(`no tc-shaped link: ${tcUnavailable}`);
else {
  for (const tree of trees) {
    const link = await createShapedLink({ rateBps: RATES[0] as number, burstBytes: TC_BURST });
    try {
      log(`${tree.name}: starting its edge behind a tc-shaped link (${link.namespace})`);
      const { child, url } = await startEdge(1, {
        root: tree.dir,
        prefix: link.exec,
        host: link.edgeHost,
      });
      try {
        for (const backend of ['cpu', 'wasm'] as const) {
          for (const rateBps of RATES) {
            await link.shape({ rateBps, burstBytes: TC_BURST });
            log(`${tree.name}: ${backend} device, tc ${rateBps / 1e3} kbit/s`);
            // Emulation off (rate 0): the answers are labelled with the kernel's rate.
            const answers = (await drive(tree.dir, url, backend, [0])).map((a) => ({
              ...a,
              rateBps,
            }));
            all.push(...cells(tree.name, backend, answers, 'tc'));
          }
        }
      } finally {
        child.kill('SIGTERM');
      }
    } finally {
      await link.remove();
    }
  }
}
const seconds = (performance.now() - t0) / 1000;

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '–');
const rate = (bps: number) => (bps >= 1e6 ? `${bps / 1e6} Mbit/s` : `${bps / 1e3} kbit/s`);
/** Pooled over cells: the median ratio, the share within ±25%, missed among feasible. */
function pooled(tree: string, backend: string, link: LinkKind) {
  const cs = all.filter((c) => c.tree === tree && c.backend === backend && c.link === link);
  const n = cs.reduce((s, c) => s + c.requests, 0);
  const feasible = cs.reduce((s, c) => s + c.feasible, 0);
  const missed = cs.reduce((s, c) => s + (c.feasible ? c.missedAmongFeasible * c.feasible : 0), 0);
  return {
    cellsOnTarget: cs.filter(
      (c) => c.medianRatio >= 0.9 && c.medianRatio <= 1.1 && c.within25 >= 0.9,
    ).length,
    cells: cs.length,
    within25: cs.reduce((s, c) => s + c.within25 * c.requests, 0) / n,
    missedAmongFeasible: feasible ? missed / feasible : Number.NaN,
    metRate: cs.reduce((s, c) => s + c.metRate * c.requests, 0) / n,
  };
}

const machine = describeMachine();
const json = {
  machine,
  settings: {
    before: flags.before,
    images,
    intervalMs,
    delayMs: DELAY_MS,
    rates: RATES,
    deadlines: DEADLINES,
    tc: tcUnavailable ? { skipped: tcUnavailable } : { burstBytes: TC_BURST, rates: RATES },
  },
  seconds,
  cells: all,
};
const md: string[] = [
  '# Honest latency: does "feasible" mean "met"?',
  '',
  `\`pnpm bench:honesty --before ${flags.before} --images ${images} --interval-ms ${intervalMs}\``,
  '',
  `Real co-inference through a real edge (\`edgent serve\`, shipped edge profile, link emulated at each rate with ${DELAY_MS} ms each way), ${images} Fashion-MNIST test images a cell, one every ${intervalMs} ms, each tree's own device code and probing. Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${Math.round(seconds)} s in all. Targets per cell: median measured/predicted 0.9-1.1, at least 90% within ±25%, at most 5% missed among planned feasible.`,
  '',
  '## Pooled per tree and backend',
  '',
  '| tree | link | backend | cells on target (ratio and ±25%) | within ±25% | missed among feasible | deadline met |',
  '|---|---|---|---|---|---|---|',
];
const links: LinkKind[] = tcUnavailable ? ['emulated'] : ['emulated', 'tc'];
for (const link of links) {
  for (const tree of trees) {
    for (const backend of ['cpu', 'wasm']) {
      const p = pooled(tree.name, backend, link);
      md.push(
        `| ${tree.name} | ${link} | ${backend} | ${p.cellsOnTarget} of ${p.cells} | ${pct(p.within25)} | ${pct(p.missedAmongFeasible)} | ${pct(p.metRate)} |`,
      );
    }
  }
}
md.push('', '## Per cell (before | after)', '');
md.push(
  '| backend | link | deadline | median measured/predicted | within ±25% | missed among feasible | met |',
  '|---|---|---|---|---|---|---|',
);
for (const link of links)
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const rateBps of RATES) {
      for (const deadlineMs of DEADLINES[backend]) {
        const [b, a] = trees.map((t) =>
          all.find(
            (c) =>
              c.tree === t.name &&
              c.backend === backend &&
              c.link === link &&
              c.rateBps === rateBps &&
              c.deadlineMs === deadlineMs,
          ),
        );
        if (!b || !a) continue;
        md.push(
          `| ${backend} | ${link} ${rate(rateBps)} | ${deadlineMs} ms | ${b.medianRatio.toFixed(2)} \\| ${a.medianRatio.toFixed(2)} | ${pct(b.within25)} \\| ${pct(a.within25)} | ${pct(b.missedAmongFeasible)} \\| ${pct(a.missedAmongFeasible)} | ${pct(b.metRate)} \\| ${pct(a.metRate)} |`,
        );
      }
    }
  }
md.push(
  '',
  tcUnavailable
    ? `Not run: the same on a tc-shaped kernel link (${tcUnavailable}).`
    : `"tc": the edge in a network namespace behind a veth pair shaped by \`tc\` (tbf, ${TC_BURST}-byte burst, no added delay; the edge's emulation off).`,
  '',
);
const text = md.join('\n');
process.stdout.write(`${text}\n`);
process.stdout.write(`wrote ${await writeReport(flags.out as string, json, text)}\n`);
