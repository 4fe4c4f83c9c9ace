import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  disposeModel,
  modelFromWeights,
  readModelDir,
  useBackend,
  type VariantName,
  type VariantReport,
} from '@edgent/model/node';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { choiceArg, intArg, slowdownArg } from '../args';
import { modelFiles } from '../model-inputs';
import { PROFILING_DEFAULTS, type ProfilingFlags, profileWithProgress } from '../profile-device';

interface ProfileFlags extends ProfilingFlags {
  out: string;
  model?: string;
  modelDir?: string;
}

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description(
      "time layer configurations and the model's slices on a backend, fit latency regressions, write a profile",
    )
    .option(
      '--backend <name>',
      'tfjs backend: wasm or cpu',
      choiceArg(['wasm', 'cpu'] as const),
      'wasm',
    )
    .requiredOption('--out <file>', 'profile JSON to write')
    .option('--model <id>', 'a model shipped under models/ (default: b-alexnet-fmnist)')
    .option('--model-dir <dir>', 'or the folder of the model whose layers and slices to time')
    .option(
      '--per-kind <n>',
      'layer configurations per layer kind (a quarter held out; 8 or more, so each regression has enough to fit)',
      intArg(8, 1000),
      24,
    )
    .option('--warmup <n>', 'untimed rounds over every job before timing', intArg(0, 100), 2)
    .option('--runs <n>', 'timed rounds; each samples every job once', intArg(1, 1000), 15)
    .option(
      '--min-sample-ms <n>',
      'calls repeat until a sample lasts this long',
      intArg(1, 1000),
      1,
    )
    .option(
      '--statistic <name>',
      "which of a job's round times the fits use: min (fastest round) or median",
      choiceArg(['min', 'median'] as const),
      'min',
    )
    .option('--seed <n>', 'seed of the configuration spread', intArg(0, 2 ** 31 - 1), 1)
    .option(
      '--device-slowdown <n>',
      'profile this device emulated N times slower (every timed call takes N times as long); the profile does not record N',
      slowdownArg,
      PROFILING_DEFAULTS.deviceSlowdown,
    )
    .action(async (flags: ProfileFlags) => {
      await useBackend(flags.backend);
      const { manifest, weights } = await readModelDir(resolve(modelFiles(flags).modelDir));
      const model = modelFromWeights(manifest.architecture, weights);
      const profile = await profileWithProgress(model, manifest.hash, flags);
      disposeModel(model);
      const out = resolve(flags.out);
      await writeFile(out, `${JSON.stringify(profile, null, 2)}\n`);
      const t = new Table({
        head: [
          'latency model',
          'held-out layers within ±10%',
          'median |error|',
          'slices within ±10%',
          'median |error|',
        ],
        style: { head: [], border: [] },
      });
      const row = (name: VariantName, v: VariantReport, used: boolean) => [
        `${name}${used ? ' (used)' : ''}`,
        `${(100 * v.heldoutLayers.within10).toFixed(1)}% of ${v.heldoutLayers.n}`,
        `${v.heldoutLayers.mape.toFixed(1)}%`,
        `${(100 * v.slices.within10).toFixed(1)}% of ${v.slices.n}`,
        `${v.slices.mape.toFixed(1)}%`,
      ];
      for (const [name, v] of Object.entries(profile.variants) as [VariantName, VariantReport][]) {
        t.push(row(name, v, name === profile.chosen));
      }
      const other = profile.otherStatistic;
      const o = new Table({ head: t.options.head, style: { head: [], border: [] } });
      for (const [name, v] of Object.entries(other.variants) as [VariantName, VariantReport][]) {
        o.push(row(name, v, false));
      }
      process.stdout.write(
        `Profiled ${flags.backend} in ${(profile.durationMs / 1000).toFixed(1)} s: ${profile.device}\nFits on each job's ${profile.timing.statistic} over ${profile.timing.runs} rounds:\n${t.toString()}\nThe same fits on the ${other.statistic}, for comparison:\n${o.toString()}\nwritten to ${out}\n`,
      );
    });
}
