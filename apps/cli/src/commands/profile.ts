import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  describeMachine,
  disposeModel,
  modelFromWeights,
  profileDevice,
  readModelDir,
  useBackend,
  type VariantName,
} from '@edgent/model/node';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { choiceArg, intArg } from '../args';
import { defaultModelDir } from '../paths';

interface ProfileFlags {
  backend: 'cpu' | 'wasm';
  out: string;
  modelDir: string;
  perKind: number;
  warmup: number;
  runs: number;
  seed: number;
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
    .option('--model-dir <dir>', 'model whose layers and slices to time', defaultModelDir)
    .option(
      '--per-kind <n>',
      'layer configurations per layer kind (a quarter held out)',
      intArg(4, 1000),
      24,
    )
    .option('--warmup <n>', 'untimed runs before timing', intArg(0, 100), 3)
    .option('--runs <n>', 'timed runs; the median is kept', intArg(1, 1000), 9)
    .option('--seed <n>', 'seed of the configuration spread', intArg(0, 2 ** 31 - 1), 1)
    .action(async (flags: ProfileFlags) => {
      await useBackend(flags.backend);
      const { manifest, weights } = await readModelDir(resolve(flags.modelDir));
      const model = modelFromWeights(manifest.architecture, weights);
      const m = describeMachine();
      const bar = new SingleBar({
        format: 'profiling {phase} |{bar}| {value}/{total}',
        barsize: 24,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      });
      let current = '';
      const profile = await profileDevice(model, {
        backend: flags.backend,
        device: `${m.cpu}, ${m.cores} cores, Node ${m.node} (${m.platform})`,
        perKind: flags.perKind,
        seed: flags.seed,
        warmup: flags.warmup,
        runs: flags.runs,
        now: () => performance.now(),
        modelHash: manifest.hash,
        onPhase: (phase, done, total) => {
          if (phase !== current) {
            if (current) bar.stop();
            current = phase;
            bar.start(total, 0, { phase });
          }
          bar.update(done, { phase });
        },
      });
      bar.stop();
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
      for (const [name, v] of Object.entries(profile.variants) as [
        VariantName,
        (typeof profile.variants)[VariantName],
      ][]) {
        t.push([
          `${name}${name === profile.chosen ? ' (used)' : ''}`,
          `${(100 * v.heldoutLayers.within10).toFixed(1)}% of ${v.heldoutLayers.n}`,
          `${v.heldoutLayers.mape.toFixed(1)}%`,
          `${(100 * v.slices.within10).toFixed(1)}% of ${v.slices.n}`,
          `${v.slices.mape.toFixed(1)}%`,
        ]);
      }
      process.stdout.write(
        `Profiled ${flags.backend} in ${(profile.durationMs / 1000).toFixed(1)} s: ${profile.device}\n${t.toString()}\nwritten to ${out}\n`,
      );
    });
}
