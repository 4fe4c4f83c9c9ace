import { cpus } from 'node:os';
import {
  type Calibration,
  type Classification,
  DEFAULT_BANDWIDTH_BPS,
  DEFAULT_RTT_MS,
} from '@edgent/device';
import { FASHION_MNIST_CLASSES } from '@edgent/model/node';
import type { Encoding } from '@edgent/planner';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { choiceArg, intArg, slowdownArg } from '../args';
import { openDevice } from '../device-setup';
import { modelFiles, readManifest } from '../model-inputs';
import { type Input, readImage, testInputs } from '../test-inputs';
import { DURATION_FORMS, formatRate, LINK_FORMS, parseDuration, parseLink } from '../units';
import { UsageError } from './train';

interface DeviceFlags {
  edge: string;
  image?: string[];
  fashionMnistTest?: number;
  deadline: number;
  link?: ReturnType<typeof parseLink>;
  encoding: Encoding;
  backend: 'cpu' | 'wasm';
  deviceProfile?: string;
  deviceSlowdown: number;
  model?: string;
  modelDir?: string;
  token?: string;
  json: boolean;
}

export function registerDevice(program: Command): void {
  program
    .command('device')
    .description(
      'be the device in Node: measure the link, plan, run the head, send the rest to the edge',
    )
    .requiredOption('--edge <url>', 'the edge, e.g. http://localhost:8080 (or ws://.../ws)')
    .option(
      '--image <file...>',
      "PNG, JPEG or WebP images to classify (any size; made the model's input, as the page makes uploads)",
    )
    .option(
      '--fashion-mnist-test <n>',
      'classify the first n Fashion-MNIST test images (for a colour model: their composed test frames)',
      intArg(1, 10_000),
    )
    .requiredOption('--deadline <time>', `latency requirement: ${DURATION_FORMS}`, parseDuration)
    .option('--link <link>', `ask the edge to emulate a link: ${LINK_FORMS}`, parseLink)
    .option(
      '--encoding <name>',
      'payload encoding: float32, float16, int8',
      choiceArg(['float32', 'float16', 'int8'] as const),
      'float32',
    )
    .option(
      '--backend <name>',
      'tfjs backend of this device: cpu (slow, matches the shipped device profile) or wasm',
      choiceArg(['cpu', 'wasm'] as const),
      'cpu',
    )
    .option(
      '--device-profile <file>',
      "this device's latency profile (default: the shipped one for the backend)",
    )
    .option(
      '--device-slowdown <n>',
      'emulate a device N times slower: each head call really takes N times as long; without --device-profile the slowed device is profiled first (the planner measures it, it is never told N)',
      slowdownArg,
      1,
    )
    .option(
      '--model <id>',
      'a model shipped under models/ that the edge serves (default: b-alexnet-fmnist)',
    )
    .option('--model-dir <dir>', 'or the folder of the model (one the edge serves)')
    .option('--token <secret>', 'bearer token the edge asks for')
    .option('--json', 'print one JSON object per request', false)
    .action(async (flags: DeviceFlags) => {
      if (!flags.image === (flags.fashionMnistTest === undefined)) {
        throw new UsageError('give exactly one of --image FILE... and --fashion-mnist-test N');
      }
      const modelDir = modelFiles(flags).modelDir;
      const input = (await readManifest(modelDir)).architecture.input;
      const inputs = flags.image
        ? await Promise.all(flags.image.map((f) => readImage(f, input)))
        : testInputs(flags.fashionMnistTest as number, input);
      const { session, co, manifest, edgeProfile, deviceProfile, slowdown, profileFile } =
        await openDevice({ ...flags, modelDir });
      const say = (line: string) => {
        if (!flags.json) process.stdout.write(`${line}\n`);
      };
      say(
        `Edge ${flags.edge}: model ${manifest.id}, edge profile ${edgeProfile.backend} (${edgeProfile.device})`,
      );
      say(
        `Device: tfjs ${flags.backend}${slowdown ? `, emulated x${flags.deviceSlowdown} slower` : ''}, profile ${profileFile ?? 'measured now'}`,
      );
      const link = flags.link
        ? await session.setLink(
            flags.link === 'off'
              ? { type: 'link', mode: 'off' }
              : {
                  type: 'link',
                  mode: 'fixed',
                  rateBps: flags.link.rateBps,
                  delayMs: flags.link.delayMs,
                },
          )
        : await session.measureLink(3);
      if (flags.link) {
        say(
          flags.link === 'off'
            ? 'Link emulation off'
            : `Edge emulates ${formatRate(flags.link.rateBps)} with ${flags.link.delayMs} ms one-way delay`,
        );
      }
      if (!link) throw new Error('the connection to the edge closed before the link was measured');
      say(
        `Measured link: ${link.bandwidth ? formatRate(link.bandwidth.bps) : 'rate unknown'}, ${
          link.rttMs === undefined ? 'RTT unknown' : `RTT ${link.rttMs.toFixed(1)} ms`
        }${link.attempts > 1 ? ` (${link.attempts} attempts)` : ''}${
          link.complete
            ? ''
            : `; planning with a slow link (${formatRate(DEFAULT_BANDWIDTH_BPS)}, RTT ${DEFAULT_RTT_MS} ms) until measured`
        }\n`,
      );

      const results: { input: Input; r: Classification }[] = [];
      // As the page does: the link is probed again whenever the estimate gets old.
      session.keepProbing(() => flags.deadline);
      for (const [i, input] of inputs.entries()) {
        const r = await session.classify(input.pixels, flags.deadline);
        results.push({ input, r });
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({
              index: i,
              name: input.name,
              label: input.label,
              class: r.label,
              className: FASHION_MNIST_CLASSES[r.label],
              confidence: r.confidence,
              plan: r.plan,
              measured: r.measured,
              bandwidthBps: r.bandwidth?.bps,
              online: r.online,
              deadlineMet: r.measured.total <= flags.deadline,
              calibration: {
                deviceScale: r.input.deviceScale ?? 1,
                edgeExtraMs: r.input.edgeExtraMs ?? 0,
              },
            })}\n`,
          );
        } else
          say(describe(i, input, r, flags.deadline, co.paths[r.plan.exit]?.layers.length ?? 0));
      }
      session.close();
      if (!flags.json) {
        say(`\n${summary(results, flags.deadline)}`);
        say(calibrationNote(co.calibration, { device: deviceProfile, edge: edgeProfile }));
      }
    });
}

const b = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/**
 * What the online calibration found per side: the median measured/predicted, what the planner
 * now multiplies by, and whether the profile looks like another machine's.
 */
function calibrationNote(
  calibration: Calibration,
  profiles: { device: { device: string }; edge: { device: string } },
): string {
  const lines = ['Calibration (measured / predicted compute of the answers):'];
  for (const side of ['device', 'edge'] as const) {
    const c = calibration.side(side);
    const profiled = profiles[side].device;
    lines.push(
      c.samples === 0
        ? `  ${side}: no answers measured it yet`
        : c.correction === 'ratio'
          ? `  ${side}: median x${c.median.toFixed(2)} over ${c.samples} answers, planning x${c.planning.toFixed(2)} (profiled on ${profiled})${
              c.mismatch ? ' -- the profile does not describe this machine now; re-profile it' : ''
            }`
          : `  ${side}: median ${signed(c.median)} ms a request over ${c.samples} answers, planning ${signed(c.planning)} ms (profiled on ${profiled})`,
    );
  }
  const here = cpus()[0]?.model?.trim();
  if (here && !profiles.device.device.includes(here)) {
    lines.push(
      `  note: the device profile was made on ${profiles.device.device}; this machine is ${here}`,
    );
  }
  return lines.join('\n');
}

function describe(i: number, input: Input, r: Classification, deadline: number, n: number): string {
  const p = r.plan.predicted;
  const m = r.measured;
  const where =
    r.plan.partition === 0
      ? 'edge-only'
      : r.plan.partition === n
        ? 'device-only'
        : `split ${r.plan.partition}/${n}`;
  const truth =
    input.label === undefined
      ? ''
      : ` (true: ${FASHION_MNIST_CLASSES[input.label]}${input.label === r.label ? '' : ', WRONG'})`;
  return (
    `#${i} ${input.name}: ${FASHION_MNIST_CLASSES[r.label]} ${(100 * r.confidence).toFixed(1)}%${truth}\n` +
    `   plan exit ${r.plan.exit} ${where}${r.online ? '' : ' [edge unreachable: device-only]'}, link ${r.bandwidth ? formatRate(r.bandwidth.bps) : '?'}\n` +
    `   predicted ${b(p.total)} ms = device ${b(p.device)} + up ${b(p.upload)} + edge ${b(p.edge)} + down ${b(p.download)}\n` +
    `   measured  ${b(m.total)} ms = device ${b(m.device)} + up ${b(m.upload)} + edge ${b(m.edge)} + down ${b(m.download)}` +
    `  ${m.total <= deadline ? 'met' : 'MISSED'} the ${deadline} ms deadline`
  );
}

function summary(results: { input: Input; r: Classification }[], deadline: number): string {
  const labelled = results.filter((x) => x.input.label !== undefined);
  const right = labelled.filter((x) => x.input.label === x.r.label).length;
  const met = results.filter((x) => x.r.measured.total <= deadline).length;
  const plans = new Map<string, number>();
  for (const { r } of results) {
    const key = `exit ${r.plan.exit}, partition ${r.plan.partition}`;
    plans.set(key, (plans.get(key) ?? 0) + 1);
  }
  const t = new Table({ style: { head: [], border: [] } });
  t.push(['requests', String(results.length)]);
  if (labelled.length) t.push(['correct', `${right} of ${labelled.length}`]);
  t.push(['deadline met', `${met} of ${results.length}`]);
  const totals = results.map((x) => x.r.measured.total).sort((a, c) => a - c);
  t.push(['median measured total', `${b(totals[Math.floor(totals.length / 2)] ?? 0)} ms`]);
  t.push(['plans', [...plans].map(([k, v]) => `${k}: ${v}`).join('\n')]);
  return t.toString();
}
