import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type CompositionSpec,
  composedDataset,
  type Dataset,
  describeModel,
  disposeModel,
  type ExitAccuracy,
  evaluate,
  type FrameBytes,
  loadFashionMnist,
  type ModelManifest,
  type ModelSpec,
  modelFromWeights,
  parseManifest,
  readModelDir,
  TEST_COMPOSITION,
  useBackend,
  writeModelDir,
} from '@edgent/model/node';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { choiceArg, intArg, positiveArg } from '../args';
import {
  cutBytes,
  cutTable,
  frameBytes,
  type Int8Agreement,
  int8Agreement,
  int8Table,
} from '../cut-report';
import { modelFiles } from '../model-inputs';

interface EvalFlags {
  model?: string;
  modelDir?: string;
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
    .option('--model <id>', 'a model shipped under models/ (default: b-alexnet-fmnist)')
    .option('--model-dir <dir>', 'or the folder of the model (manifest.json + weights.bin)')
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

/** A progress bar on stderr for one pass over `total` images. */
function progress(what: string, total: number): SingleBar {
  const bar = new SingleBar({
    format: `${what} |{bar}| {value}/{total} images`,
    barsize: 24,
    noTTYOutput: true,
    notTTYSchedule: 30_000,
    stream: process.stderr,
  });
  bar.start(total, 0);
  return bar;
}

/** What eval measures of a model on its test set. */
interface Measured {
  manifest: ModelManifest;
  exits: ExitAccuracy[];
  /** A model of colour frames: their JPEG sizes, and int8 at each bottleneck. */
  frames?: FrameBytes;
  int8?: Int8Agreement[];
}

async function measure(dir: string, data: Dataset, backend: 'cpu' | 'wasm'): Promise<Measured> {
  await useBackend(backend);
  const { manifest, weights } = await readModelDir(dir);
  const model = modelFromWeights(manifest.architecture, weights);
  const passes: [string, (done: (n: number) => void) => Promise<void> | void][] = [];
  const out: Measured = { manifest, exits: [] };
  passes.push([
    'evaluating',
    async (done) => {
      out.exits = await evaluate(model, data, 500, done);
    },
  ]);
  if (data.composition) {
    passes.push([
      'JPEG sizes',
      (done) => {
        out.frames = frameBytes(data, done);
      },
    ]);
  }
  if (cutBytes(manifest.architecture).some((c) => c.bottleneck)) {
    passes.push([
      'int8 at bottlenecks',
      (done) => {
        out.int8 = int8Agreement(model, data, done);
      },
    ]);
  }
  try {
    for (const [what, run] of passes) {
      const bar = progress(what, data.count);
      try {
        await run((n) => bar.update(n));
      } finally {
        bar.stop();
      }
    }
    return out;
  } finally {
    disposeModel(model);
  }
}

/** The manifest of the model folder `dir`, undefined when there is none (readModelDir says why). */
async function readModelManifest(dir: string): Promise<ModelManifest | undefined> {
  try {
    const file = join(dir, 'manifest.json');
    return parseManifest(JSON.parse(await readFile(file, 'utf8')), file);
  } catch {
    return undefined;
  }
}

/** The test set of the model in `manifest`: Fashion-MNIST, or frames composed from it. */
function testSetFor(spec: ModelSpec, fashion: Dataset, composition?: CompositionSpec): Dataset {
  return spec.input[2] === 3 ? composedDataset(fashion, composition ?? TEST_COMPOSITION) : fashion;
}

/** The manifest's evaluation record of `measured` on `data`. */
function evaluationRecord(
  data: Dataset,
  backend: 'cpu' | 'wasm',
  measured: Measured,
): NonNullable<ModelManifest['evaluation']> {
  return {
    dataset: data.composition ? 'fashion-mnist-composed' : 'fashion-mnist',
    split: 'test',
    count: data.count,
    ...(data.composition ? { composition: data.composition } : {}),
    ...(measured.frames ? { frameBytes: measured.frames } : {}),
    backend,
    exits: measured.exits,
  };
}

/** Evaluates a model folder on `data`, prints the tables and records the result in its manifest. */
export async function evaluateAndRecord(
  dir: string,
  data: Dataset,
  backend: 'cpu' | 'wasm',
): Promise<void> {
  const measured = await measure(dir, data, backend);
  const { manifest, exits } = measured;
  manifest.evaluation = evaluationRecord(data, backend, measured);
  await writeModelDir(dir, manifest);
  process.stdout.write(`${exitTable(manifest.architecture, exits)}\n`);
  printCuts(measured);
}

async function runEval(flags: EvalFlags): Promise<number> {
  const dir = resolve(modelFiles(flags).modelDir);
  const stored = await readModelManifest(dir);
  const fashion = loadFashionMnist({ split: 'test', dir: flags.dataDir, limit: flags.limit });
  const data = stored
    ? testSetFor(stored.architecture, fashion, stored.evaluation?.composition)
    : fashion;
  const measured = await measure(dir, data, flags.backend);
  const { manifest, exits } = measured;
  const recorded = manifest.evaluation;
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ model: manifest.id, hash: manifest.hash, count: data.count, backend: flags.backend, exits, recorded: recorded?.exits ?? null, frameBytes: measured.frames ?? null, cuts: cutBytes(manifest.architecture), int8: measured.int8 ?? null }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      `Model ${manifest.id} (${manifest.hash.slice(0, 19)}...), ${data.count} test images, ${flags.backend}\n`,
    );
    process.stdout.write(
      `${exitTable(manifest.architecture, exits, recorded?.count === data.count ? recorded.exits : undefined)}\n`,
    );
    process.stdout.write(`${layerTable(manifest.architecture)}\n`);
    printCuts(measured);
  }
  if (flags.write) {
    manifest.evaluation = evaluationRecord(data, flags.backend, measured);
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

/** The cut table (with the median JPEG frame) and the int8 agreement table, when they apply. */
function printCuts(measured: Measured): void {
  const { manifest, frames, int8 } = measured;
  if (!frames && !int8) return;
  if (frames) {
    process.stdout.write(
      `Frames as sent at partition 0: JPEG quality ${frames.quality}, median ${frames.median} B (p10 ${frames.p10}, p90 ${frames.p90}) over ${frames.count} test frames\n`,
    );
  }
  process.stdout.write(`${cutTable(cutBytes(manifest.architecture), frames)}\n`);
  if (int8) process.stdout.write(`${int8Table(int8)}\n`);
}

/** One row per exit: where it branches, accuracy, FLOPs, parameters, bytes at the branch point. */
function exitTable(spec: ModelSpec, exits: ExitAccuracy[], recorded?: ExitAccuracy[]): string {
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
function layerTable(spec: ModelSpec): string {
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
