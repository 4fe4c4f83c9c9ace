import { resolve } from 'node:path';
import {
  type Dataset,
  describeModel,
  disposeModel,
  type ExitAccuracy,
  evaluate,
  loadFashionMnist,
  type ModelManifest,
  type ModelSpec,
  modelFromWeights,
  readModelDir,
  useBackend,
  writeModelDir,
} from '@edgent/model/node';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { choiceArg, intArg, positiveArg } from '../args';
import { defaultModelDir } from '../paths';

interface EvalFlags {
  modelDir: string;
  dataDir?: string;
  limit?: number;
  backend: 'cpu' | 'wasm';
  check: boolean;
  tolerance: number;
  write: boolean;
  json: boolean;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      "measure each exit's test accuracy and print the model's per-exit and per-layer tables",
    )
    .option('--model-dir <dir>', 'model folder (manifest.json + weights.bin)', defaultModelDir)
    .option(
      '--data-dir <dir>',
      'Fashion-MNIST IDX folder (default /usr/share/datasets/fashion-mnist)',
    )
    .option(
      '--limit <n>',
      'evaluate on only the first N test images (default: all 10,000)',
      intArg(1),
    )
    .option(
      '--backend <name>',
      'tfjs backend: wasm or cpu',
      choiceArg(['wasm', 'cpu'] as const),
      'wasm',
    )
    .option(
      '--check',
      "exit 1 unless every exit is within --tolerance of the manifest's accuracy",
      false,
    )
    .option(
      '--tolerance <points>',
      'allowed difference in percentage points for --check',
      positiveArg(100),
      0.1,
    )
    .option('--write', 'record the measured accuracy in the manifest', false)
    .option('--json', 'print the result as JSON instead of tables', false)
    .action(async (flags: EvalFlags) => {
      process.exitCode = await runEval(flags);
    });
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const mflops = (x: number) => `${(x / 1e6).toFixed(2)}M`;

async function measure(
  dir: string,
  data: Dataset,
  backend: 'cpu' | 'wasm',
): Promise<{ manifest: ModelManifest; exits: ExitAccuracy[] }> {
  await useBackend(backend);
  const { manifest, weights } = await readModelDir(dir);
  const model = modelFromWeights(manifest.architecture, weights);
  const bar = new SingleBar({
    format: 'evaluating |{bar}| {value}/{total} images',
    barsize: 24,
    noTTYOutput: true,
    notTTYSchedule: 30_000,
    stream: process.stderr,
  });
  bar.start(data.count, 0);
  try {
    const exits = await evaluate(model, data, 500, (done) => bar.update(done));
    return { manifest, exits };
  } finally {
    bar.stop();
    disposeModel(model);
  }
}

/** Evaluates a model folder on `data`, prints the tables and records the result in its manifest. */
export async function evaluateAndRecord(
  dir: string,
  data: Dataset,
  backend: 'cpu' | 'wasm',
): Promise<void> {
  const { manifest, exits } = await measure(dir, data, backend);
  manifest.evaluation = {
    dataset: 'fashion-mnist',
    split: 'test',
    count: data.count,
    backend,
    exits,
  };
  await writeModelDir(dir, manifest);
  process.stdout.write(`${exitTable(manifest.architecture, exits)}\n`);
}

async function runEval(flags: EvalFlags): Promise<number> {
  const dir = resolve(flags.modelDir);
  const data = loadFashionMnist({ split: 'test', dir: flags.dataDir, limit: flags.limit });
  const { manifest, exits } = await measure(dir, data, flags.backend);
  const recorded = manifest.evaluation;
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ model: manifest.id, hash: manifest.hash, count: data.count, backend: flags.backend, exits, recorded: recorded?.exits ?? null }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      `Model ${manifest.id} (${manifest.hash.slice(0, 19)}...), ${data.count} test images, ${flags.backend}\n`,
    );
    process.stdout.write(
      `${exitTable(manifest.architecture, exits, recorded?.count === data.count ? recorded.exits : undefined)}\n`,
    );
    process.stdout.write(`${layerTable(manifest.architecture)}\n`);
  }
  if (flags.write) {
    manifest.evaluation = {
      dataset: 'fashion-mnist',
      split: 'test',
      count: data.count,
      backend: flags.backend,
      exits,
    };
    await writeModelDir(dir, manifest);
  }
  if (flags.check) {
    if (!recorded || recorded.count !== data.count) {
      process.stderr.write(
        `--check: the manifest records no accuracy on ${data.count} test images\n`,
      );
      return 1;
    }
    const off = exits.filter(
      (e) =>
        Math.abs(100 * (e.accuracy - (recorded.exits[e.exit]?.accuracy ?? Number.NaN))) >
          flags.tolerance || Number.isNaN(recorded.exits[e.exit]?.accuracy),
    );
    if (off.length > 0) {
      process.stderr.write(
        `--check: exits ${off.map((e) => e.name).join(', ')} differ from the manifest by more than ${flags.tolerance} points\n`,
      );
      return 1;
    }
    process.stderr.write(`--check: every exit within ${flags.tolerance} points of the manifest\n`);
  }
  return 0;
}

/** One row per exit: where it branches, accuracy, FLOPs, parameters, bytes at the branch point. */
export function exitTable(
  spec: ModelSpec,
  exits: ExitAccuracy[],
  recorded?: ExitAccuracy[],
): string {
  const head = [
    'exit',
    'branches after',
    'layers',
    'test accuracy',
    ...(recorded ? ['manifest'] : []),
    'FLOPs',
    'params',
  ];
  const t = new Table({ head, style: { head: [], border: [] } });
  const paths = describeModel(spec);
  for (const p of paths) {
    const acc = exits[p.exit];
    const flops = p.layers.reduce((a, l) => a + l.flops, 0);
    const params = p.layers.reduce((a, l) => a + l.params, 0);
    const after =
      p.branchAt === spec.trunk.length
        ? '(whole trunk)'
        : p.branchAt === 0
          ? 'input'
          : (spec.trunk[p.branchAt - 1]?.name ?? '?');
    t.push([
      `${p.exit} ${p.name}`,
      after,
      String(p.layers.length),
      acc ? pct(acc.accuracy) : '-',
      ...(recorded ? [recorded[p.exit] ? pct(recorded[p.exit]?.accuracy ?? 0) : '-'] : []),
      mflops(flops),
      params.toLocaleString('en-US'),
    ]);
  }
  return t.toString();
}

/** One row per layer of the model (trunk, then branches): shape, output bytes, FLOPs, parameters, exits using it. */
export function layerTable(spec: ModelSpec): string {
  const t = new Table({
    head: ['layer', 'kind', 'output shape', 'output bytes', 'FLOPs', 'params', 'on exits'],
    style: { head: [], border: [] },
  });
  const seen = new Map<string, { row: string[]; exits: number[] }>();
  for (const p of describeModel(spec)) {
    for (const l of p.layers) {
      const entry = seen.get(l.name) ?? {
        row: [
          l.name,
          l.kind,
          l.outputShape.join('x'),
          l.outputBytes.toLocaleString('en-US'),
          mflops(l.flops),
          l.params.toLocaleString('en-US'),
        ],
        exits: [],
      };
      entry.exits.push(p.exit);
      seen.set(l.name, entry);
    }
  }
  for (const { row, exits } of seen.values()) t.push([...row, exits.join(',')]);
  return t.toString();
}
