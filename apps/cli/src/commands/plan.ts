import { compilePlanner, type Encoding, type Plan, runBaselines } from '@edgent/planner';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { choiceArg } from '../args';
import { modelFiles, plannerPaths, readManifest, readProfile } from '../model-inputs';
import {
  DURATION_FORMS,
  durationOption,
  formatRate,
  parseDuration,
  parseRate,
  RATE_FORMS,
} from '../units';

interface PlanFlags {
  bandwidth: number;
  deadline: number;
  rtt: number;
  deviceProfile?: string;
  edgeProfile?: string;
  encoding: Encoding;
  model?: string;
  modelDir?: string;
  json: boolean;
}

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description(
      'choose the exit and partition for a bandwidth and deadline, and show every candidate',
    )
    .requiredOption('--bandwidth <rate>', `link rate: ${RATE_FORMS}`, parseRate)
    .requiredOption('--deadline <time>', `latency requirement: ${DURATION_FORMS}`, parseDuration)
    .addOption(durationOption('--rtt <time>', 'round-trip time to the edge', 20))
    .option('--device-profile <file>', "device profile (default: the model's profiles/device.json)")
    .option('--edge-profile <file>', "edge profile (default: the model's profiles/edge.json)")
    .option(
      '--encoding <name>',
      'payload encoding: float32, float16, int8',
      choiceArg(['float32', 'float16', 'int8'] as const),
      'float32',
    )
    .option('--model <id>', 'a model shipped under models/ (default: b-alexnet-fmnist)')
    .option('--model-dir <dir>', 'or the model folder (manifest.json with per-exit accuracy)')
    .option('--json', 'print plan, candidates and baselines as JSON', false)
    .action(async (flags: PlanFlags) => {
      const files = modelFiles(flags);
      const manifest = await readManifest(files.modelDir);
      const device = await readProfile(files.deviceProfile, '--device-profile', manifest);
      const edge = await readProfile(files.edgeProfile, '--edge-profile', manifest);
      const paths = plannerPaths(manifest);
      const planner = compilePlanner(paths, device.latency, edge.latency, {
        encoding: flags.encoding,
        classes: manifest.architecture.classes,
      });
      const input = { bandwidthBps: flags.bandwidth, rttMs: flags.rtt, deadlineMs: flags.deadline };
      const plan = planner.plan(input);
      const candidates = planner.candidates(input);
      const baselines = runBaselines(planner, input);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ input, encoding: flags.encoding, plan, baselines, candidates }, null, 2)}\n`,
        );
        return;
      }
      const ms = (x: number) => x.toFixed(2);
      const where = (p: Plan) => {
        const n = paths[p.exit]?.layers.length ?? 0;
        return p.partition === 0
          ? 'edge-only'
          : p.partition === n
            ? 'device-only'
            : `split after layer ${p.partition} of ${n}`;
      };
      process.stdout.write(
        `Link ${formatRate(flags.bandwidth)}, RTT ${flags.rtt} ms, deadline ${flags.deadline} ms, ${flags.encoding} payloads\n` +
          `Device profile: ${files.deviceProfile} (${device.backend}: ${device.device})\n` +
          `Edge profile:   ${files.edgeProfile} (${edge.backend}: ${edge.device})\n\n` +
          `Plan: exit ${plan.exit} (${(100 * plan.accuracy).toFixed(2)}%), partition ${plan.partition} (${where(plan)}), ` +
          `predicted ${ms(plan.predicted.total)} ms = device ${ms(plan.predicted.device)} + upload ${ms(plan.predicted.upload)} + edge ${ms(plan.predicted.edge)} + download ${ms(plan.predicted.download)}` +
          `${plan.feasible ? '' : ' — NO plan meets the deadline; this is the fastest'}\n\n`,
      );
      const b = new Table({
        head: ['baseline', 'exit', 'partition', 'accuracy', 'total ms', 'meets deadline'],
        style: { head: [], border: [] },
      });
      for (const [name, p] of Object.entries(baselines))
        b.push([
          name,
          String(p.exit),
          `${p.partition} (${where(p)})`,
          `${(100 * p.accuracy).toFixed(2)}%`,
          ms(p.predicted.total),
          p.feasible ? 'yes' : 'no',
        ]);
      process.stdout.write(`${b.toString()}\n\n`);
      const t = new Table({
        head: [
          'exit',
          'p',
          'bytes sent',
          'device',
          'upload',
          'edge',
          'download',
          'total ms',
          'accuracy',
          'feasible',
        ],
        style: { head: [], border: [] },
      });
      for (const c of candidates) {
        const chosen = c.exit === plan.exit && c.partition === plan.partition;
        t.push([
          `${chosen ? '> ' : ''}${c.exit}`,
          String(c.partition),
          String(c.bytesUp),
          ms(c.predicted.device),
          ms(c.predicted.upload),
          ms(c.predicted.edge),
          ms(c.predicted.download),
          ms(c.predicted.total),
          `${(100 * c.accuracy).toFixed(2)}%`,
          c.feasible ? 'yes' : 'no',
        ]);
      }
      process.stdout.write(`Every candidate (> marks the plan):\n${t.toString()}\n`);
    });
}
