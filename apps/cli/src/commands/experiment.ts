import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import {
  REPLAY_POLICIES,
  type ReplayPolicy,
  type ReplayRequest,
  type ReplaySummary,
  replay,
  summarize,
} from '@edgent/device';
import {
  type BandwidthTrace,
  type Encoding,
  parseTrace,
  scaleLatency,
  scaleTrace,
  traceDuration,
} from '@edgent/planner';
import { HEADER_BYTES } from '@edgent/protocol';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { choiceArg, intArg, numberListArg, positiveArg, slowdownArg } from '../args';
import { openDevice } from '../device-setup';
import { writeLiveReport, writeReplayReport, writeSweepReport } from '../experiment-report';
import { liveTable, runLive } from '../live';
import { modelFiles, plannerPaths, readManifest, readProfile } from '../model-inputs';
import { defaultModelDir, repoRoot } from '../paths';
import { logGrid, sweep } from '../sweep';
import { durationOption, parseRate, RATE_FORMS } from '../units';
import { UsageError } from './train';

interface ReplayFlags {
  traces: string;
  scale: number;
  intervalMs: number;
  deadlines: number[];
  rtt: number;
  deviceSlowdown: number;
  model?: string;
  modelDir?: string;
  deviceProfile?: string;
  edgeProfile?: string;
  encoding: Encoding;
  json: boolean;
  out?: string;
}

/** One policy's results per deadline, as `--json` prints them. */
export interface ReplayResults {
  policies: {
    name: ReplayPolicy;
    deadlines: ({ deadlineMs: number } & Omit<ReplaySummary, 'plans' | 'requests'> & {
        requests: number;
        plans: Record<string, number>;
      })[];
  }[];
}

const DEFAULT_DEADLINES = [10, 20, 30, 50, 100, 200, 300];

interface LiveFlags {
  edge: string;
  token?: string;
  bandwidths: number[];
  delay: number;
  deadlines: number[];
  images: number;
  backend: 'cpu' | 'wasm';
  deviceProfile?: string;
  deviceSlowdown: number;
  model?: string;
  modelDir?: string;
  encoding: Encoding;
  json: boolean;
  out?: string;
}

interface SweepFlags {
  from: number;
  to: number;
  points: number;
  deadlines: number[];
  fig6Bandwidths: number[];
  rtt: number;
  deviceSlowdown: number[];
  model?: string;
  modelDir?: string;
  deviceProfile?: string;
  edgeProfile?: string;
  encoding: Encoding;
  json: boolean;
  out?: string;
}

/** A comma-separated list of rates ("50kbit,300kbit,1.5Mbit"). */
function rateListArg(value: string): number[] {
  return value.split(',').map((v) => parseRate(v));
}

/** A comma-separated list of slow-down factors ("1,8,32"). */
function slowdownListArg(value: string): number[] {
  return value.split(',').map((v) => slowdownArg(v));
}

export function registerExperiment(program: Command): void {
  const experiment = program
    .command('experiment')
    .description("the paper's evaluation: Edgent against its baselines (sweep, replay, live)");

  experiment
    .command('sweep')
    .description(
      "Fig. 5 and Fig. 6 from the profiles: Edgent's exit and cut over bandwidth and deadline, and the five methods vs deadline",
    )
    .option('--from <rate>', `lowest bandwidth: ${RATE_FORMS}`, parseRate, 50e3)
    .option('--to <rate>', 'highest bandwidth', parseRate, 1.5e6)
    .option('--points <n>', 'bandwidths, log-spaced from --from to --to', intArg(1, 200), 12)
    .option('--deadlines <ms,...>', 'deadlines, ms', numberListArg, DEFAULT_DEADLINES)
    .option(
      '--fig6-bandwidths <rates>',
      'bandwidths of the five-method comparison',
      rateListArg,
      [50e3, 300e3, 1.5e6],
    )
    .addOption(durationOption('--rtt <time>', 'round trip to the edge', 20))
    .option(
      '--device-slowdown <n,...>',
      'device slow-downs to sweep (its latency model scaled), e.g. 1,8,32',
      slowdownListArg,
      [1],
    )
    .option('--model <id>', 'a model shipped under models/ (default: b-alexnet-fmnist)')
    .option('--model-dir <dir>', 'or the folder of the model (manifest with per-exit accuracy)')
    .option('--device-profile <file>', "device profile (default: the model's profiles/device.json)")
    .option('--edge-profile <file>', "edge profile (default: the model's profiles/edge.json)")
    .option(
      '--encoding <name>',
      'payload encoding: float32, float16, int8',
      choiceArg(['float32', 'float16', 'int8'] as const),
      'float32',
    )
    .option('--json', 'print the results as one JSON object on stdout', false)
    .option(
      '--out <dir>',
      'where report.md, report.json and the SVG figures go (default bench/reports/experiment/sweep, or sweep-<model id> for a model other than the default)',
    )
    .action(async (flags: SweepFlags) => {
      if (!(flags.to > flags.from)) throw new UsageError('--to must be above --from');
      if (flags.deadlines.length === 0 || flags.deadlines.some((d) => !(d > 0))) {
        throw new UsageError('--deadlines needs one or more deadlines above 0 ms, e.g. 10,30,100');
      }
      const files = modelFiles(flags);
      const manifest = await readManifest(files.modelDir);
      const device = await readProfile(files.deviceProfile, '--device-profile', manifest);
      const edge = await readProfile(files.edgeProfile, '--edge-profile', manifest);
      const paths = plannerPaths(manifest);
      const results = sweep({
        paths,
        device: device.latency,
        edge: edge.latency,
        classes: manifest.architecture.classes,
        encoding: flags.encoding,
        headerBytes: HEADER_BYTES,
        rttMs: flags.rtt,
        bandwidthsBps: logGrid(flags.from, flags.to, flags.points),
        deadlinesMs: flags.deadlines,
        fig6BandwidthsBps: flags.fig6Bandwidths,
        slowdowns: flags.deviceSlowdown,
      });
      const settings = {
        model: manifest.id,
        device: device.device,
        edge: edge.device,
        rttMs: flags.rtt,
        encoding: flags.encoding,
        headerBytes: HEADER_BYTES,
        from: flags.from,
        to: flags.to,
        points: flags.points,
        deadlines: flags.deadlines.join(','),
        // What partition 0 sends: the raw image, or a colour model's JPEG frame (median).
        input: manifest.evaluation?.frameBytes ? 'median JPEG frame' : 'raw image',
      };
      const written = await writeSweepReport(reportDir('sweep', flags.out, manifest.id), {
        settings,
        results,
        rawInputBytes: paths[0]?.rawInputBytes ?? 0,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ settings, results })}\n`);
        return;
      }
      for (const r of results) {
        const splits = r.choices.filter((c) => c.where === 'split').length;
        const where = ['device-only', 'edge-only', 'split'].map(
          (w) => `${w} ${r.choices.filter((c) => c.where === w).length}`,
        );
        process.stdout.write(
          `device x${r.slowdown}: of ${r.choices.length} bandwidth x deadline cells, ${where.join(', ')}${splits ? '' : ' (no interior cut wins)'}\n`,
        );
      }
      process.stdout.write(`report: ${written}\n`);
    });

  experiment
    .command('live')
    .description(
      'real co-inference through a running edge over a grid of emulated links and deadlines, against the simulation of the same cells',
    )
    .requiredOption('--edge <url>', 'the edge, e.g. http://localhost:8080')
    .option('--token <secret>', 'bearer token the edge asks for')
    .option(
      '--bandwidths <rates>',
      `emulated link rates: ${RATE_FORMS}, comma-separated`,
      rateListArg,
      [300e3, 1e6, 3e6, 10e6],
    )
    .addOption(durationOption('--delay <time>', 'one-way delay of the emulated link', 5))
    .option('--deadlines <ms,...>', 'deadlines, ms', numberListArg, [30, 50, 100, 300])
    .option('--images <n>', 'Fashion-MNIST test images per cell', intArg(1, 10_000), 30)
    .option(
      '--backend <name>',
      'tfjs backend of this device: cpu (the shipped stand-in device) or wasm',
      choiceArg(['cpu', 'wasm'] as const),
      'cpu',
    )
    .option('--device-profile <file>', "this device's profile (default: the shipped one)")
    .option(
      '--device-slowdown <n>',
      'emulate a device N times slower (profiled first, unless --device-profile)',
      slowdownArg,
      1,
    )
    .option(
      '--model <id>',
      'a model shipped under models/ that the edge serves (default: b-alexnet-fmnist)',
    )
    .option('--model-dir <dir>', 'or the folder of the model (one the edge serves)')
    .option(
      '--encoding <name>',
      'payload encoding: float32, float16, int8',
      choiceArg(['float32', 'float16', 'int8'] as const),
      'float32',
    )
    .option('--json', 'print the cells as one JSON object on stdout', false)
    .option(
      '--out <dir>',
      'where report.md and report.json go (default bench/reports/experiment/live, or live-<model id> for a model other than the default)',
    )
    .action(async (flags: LiveFlags) => {
      if (flags.deadlines.length === 0 || flags.deadlines.some((d) => !(d > 0))) {
        throw new UsageError('--deadlines needs one or more deadlines above 0 ms, e.g. 30,100');
      }
      const setup = await openDevice({
        edge: flags.edge,
        ...(flags.token ? { token: flags.token } : {}),
        backend: flags.backend,
        modelDir: modelFiles(flags).modelDir,
        ...(flags.deviceProfile ? { deviceProfile: flags.deviceProfile } : {}),
        deviceSlowdown: flags.deviceSlowdown,
        encoding: flags.encoding,
      });
      const cells = await runLive(setup, flags);
      setup.session.close();
      const written = await writeLiveReport(reportDir('live', flags.out, setup.manifest.id), {
        settings: {
          edge: flags.edge,
          backend: flags.backend,
          deviceSlowdown: flags.deviceSlowdown,
          delayMs: flags.delay,
          images: flags.images,
          encoding: flags.encoding,
          device: setup.deviceProfile.device,
          edgeDevice: setup.edgeProfile.device,
          model: setup.manifest.id,
        },
        cells,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ cells })}\n`);
        return;
      }
      process.stdout.write(`${liveTable(cells)}\nreport: ${written}\n`);
    });

  experiment
    .command('replay')
    .description(
      'trace-driven replay on a simulated clock: Edgent static and dynamic, the four baselines, an oracle and a clairvoyant',
    )
    .option(
      '--traces <dir>',
      'a folder of seconds<TAB>Mbit/s traces',
      join(repoRoot, 'traces', 'norway-hsdpa'),
    )
    .option('--scale <f>', 'multiply every rate of the traces by this', positiveArg(1000), 1)
    .option('--interval-ms <n>', 'a request every this many ms', intArg(1, 60_000), 100)
    .option('--deadlines <ms,...>', 'deadlines to replay, ms', numberListArg, DEFAULT_DEADLINES)
    .addOption(durationOption('--rtt <time>', 'the true round trip to the edge', 20))
    .option(
      '--device-slowdown <n>',
      'the device N times slower than its profile (its latency model scaled by N)',
      slowdownArg,
      1,
    )
    .option('--model <id>', 'a model shipped under models/ (default: b-alexnet-fmnist)')
    .option('--model-dir <dir>', 'or the folder of the model (manifest with per-exit accuracy)')
    .option('--device-profile <file>', "device profile (default: the model's profiles/device.json)")
    .option('--edge-profile <file>', "edge profile (default: the model's profiles/edge.json)")
    .option(
      '--encoding <name>',
      'payload encoding: float32, float16, int8',
      choiceArg(['float32', 'float16', 'int8'] as const),
      'float32',
    )
    .option('--json', 'print one JSON object with every policy and deadline on stdout', false)
    .option(
      '--out <dir>',
      'where report.md, report.json and the SVG figures go (default bench/reports/experiment/replay, or replay-<model id> for a model other than the default)',
    )
    .action(async (flags: ReplayFlags) => {
      if (flags.deadlines.length === 0 || flags.deadlines.some((d) => !(d > 0))) {
        throw new UsageError('--deadlines needs one or more deadlines above 0 ms, e.g. 10,30,100');
      }
      const files = modelFiles(flags);
      const manifest = await readManifest(files.modelDir);
      const device = await readProfile(files.deviceProfile, '--device-profile', manifest);
      const edge = await readProfile(files.edgeProfile, '--edge-profile', manifest);
      const traces = await readTraces(resolve(flags.traces), flags.scale);
      const started = performance.now();
      const base = {
        paths: plannerPaths(manifest),
        device: scaleLatency(device.latency, flags.deviceSlowdown),
        edge: edge.latency,
        classes: manifest.architecture.classes,
        encoding: flags.encoding,
        headerBytes: HEADER_BYTES,
        intervalMs: flags.intervalMs,
        rttMs: flags.rtt,
      };
      const jobs = flags.deadlines.length * REPLAY_POLICIES.length * traces.length;
      const bar = new SingleBar({
        format:
          'replaying |{bar}| {value}/{total} trace x policy x deadline runs, {eta_formatted} left',
        barsize: 24,
        stream: process.stderr,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      });
      bar.start(jobs, 0);
      const requests = new Map<string, ReplayRequest[]>();
      /** One trace's requests for the figure of a replayed trace. */
      const sample: Record<string, ReplayRequest[]> = {};
      const sampleTrace = traces[0];
      for (const deadlineMs of flags.deadlines) {
        for (const policy of REPLAY_POLICIES) {
          const all: ReplayRequest[] = [];
          for (const t of traces) {
            const r = await replay({ ...base, trace: t.trace, deadlineMs }, policy);
            all.push(...r);
            if (
              t === sampleTrace &&
              deadlineMs === flags.deadlines[Math.floor(flags.deadlines.length / 2)]
            ) {
              sample[policy] = r;
            }
            bar.increment();
          }
          requests.set(`${policy}@${deadlineMs}`, all);
        }
      }
      bar.stop();
      const results: ReplayResults = {
        policies: REPLAY_POLICIES.map((name) => ({
          name,
          deadlines: flags.deadlines.map((deadlineMs) => ({
            deadlineMs,
            ...summarize(requests.get(`${name}@${deadlineMs}`) ?? []),
          })),
        })),
      };
      const seconds = (performance.now() - started) / 1000;
      const settings = {
        traces: relative(process.cwd(), resolve(flags.traces)) || '.',
        traceCount: traces.length,
        tracedSeconds: traces.reduce((s, t) => s + traceDuration(t.trace), 0),
        scale: flags.scale,
        intervalMs: flags.intervalMs,
        rttMs: flags.rtt,
        deviceSlowdown: flags.deviceSlowdown,
        encoding: flags.encoding,
        device: device.device,
        edge: edge.device,
        model: manifest.id,
        deadlines: flags.deadlines.join(','),
        seconds,
      };
      const written = await writeReplayReport(reportDir('replay', flags.out, manifest.id), {
        settings,
        results,
        sample: sampleTrace
          ? { name: sampleTrace.name, trace: sampleTrace.trace, requests: sample }
          : undefined,
        sampleDeadlineMs: flags.deadlines[Math.floor(flags.deadlines.length / 2)] as number,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(results)}\n`);
        return;
      }
      process.stdout.write(`${replayTable(results)}\n`);
      process.stdout.write(
        `${traces.length} traces (${Math.round(settings.tracedSeconds)} s) x${flags.scale}, a request every ${flags.intervalMs} ms, RTT ${flags.rtt} ms, in ${seconds.toFixed(1)} s; report: ${written}\n`,
      );
    });
}

/** Every `*.tsv` trace in `dir`, scaled; a usage error when there is none. */
async function readTraces(
  dir: string,
  scale: number,
): Promise<{ name: string; trace: BandwidthTrace }[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.tsv')).sort();
  } catch (e) {
    throw new UsageError(`cannot read --traces ${dir}: ${(e as Error).message}`);
  }
  if (names.length === 0) {
    throw new UsageError(`--traces ${dir} holds no .tsv traces (seconds<TAB>Mbit/s per line)`);
  }
  return Promise.all(
    names.map(async (n) => {
      const path = join(dir, n);
      let trace: BandwidthTrace;
      try {
        trace = parseTrace(await readFile(path, 'utf8'), path);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      return { name: n.slice(0, -4), trace: scale === 1 ? trace : scaleTrace(trace, scale) };
    }),
  );
}

/** Effective accuracy per policy (rows) and deadline (columns). */
function replayTable(results: ReplayResults): string {
  const deadlines = results.policies[0]?.deadlines.map((d) => d.deadlineMs) ?? [];
  const t = new Table({
    head: ['effective accuracy (met %)', ...deadlines.map((d) => `${d} ms`)],
    style: { head: [], border: [] },
  });
  for (const p of results.policies) {
    t.push([
      p.name,
      ...p.deadlines.map(
        (d) => `${(100 * d.effectiveAccuracy).toFixed(1)}% (${(100 * d.metRate).toFixed(0)}%)`,
      ),
    ]);
  }
  return t.toString();
}

/** Where an experiment's report goes: `--out`, else bench/reports/experiment/<kind>[-<model>]. */
function reportDir(kind: string, out: string | undefined, model: string): string {
  if (out !== undefined) return resolve(out);
  const defaultModel = basename(defaultModelDir.replace(/\/$/, ''));
  const name = model === defaultModel ? kind : `${kind}-${model}`;
  return join(repoRoot, 'bench', 'reports', 'experiment', name);
}
