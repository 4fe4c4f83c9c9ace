/**
 * Reports of `edgent experiment`: report.md, report.json and SVG figures
 * drawn with Vega-Lite (rendered in Node to SVG, no native build).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPLAY_POLICIES, type ReplayPolicy, type ReplayRequest } from '@edgent/device';
import { describeMachine } from '@edgent/model/node';
import { type BandwidthTrace, rateAt } from '@edgent/planner';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ReplayResults } from './commands/experiment';
import type { LiveCell } from './live';
import type { SweepResult } from './sweep';

/** Renders a Vega-Lite spec to SVG text. */
async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');
/** A difference of two rates in points, signed, rounded first so that a tie reads 0.0, not -0.0. */
const signedPoints = (diff: number) => {
  const points = Math.round(1000 * diff) / 10;
  if (!Number.isFinite(points)) return '–';
  return points > 0 ? `+${points.toFixed(1)}` : (points === 0 ? 0 : points).toFixed(1);
};
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');

/** A policy's name as the report reads it. */
const LABEL: Record<ReplayPolicy, string> = {
  'edgent-static': 'Edgent (static)',
  'edgent-dynamic': 'Edgent (dynamic)',
  'device-only': 'device-only',
  'edge-only': 'edge-only',
  'partition-only': 'partition-only (Neurosurgeon)',
  'exit-only': 'exit-only (BranchyNet)',
  oracle: 'oracle',
  clairvoyant: 'clairvoyant',
};

/** What a replay report is made of. */
export interface ReplayReportInput {
  settings: Record<string, unknown> & { seconds: number };
  results: ReplayResults;
  /** One trace's requests per policy, for the figure over time. */
  sample?: {
    name: string;
    trace: BandwidthTrace;
    requests: Partial<Record<ReplayPolicy, ReplayRequest[]>>;
  };
  sampleDeadlineMs: number;
}

/** Writes the replay report into `dir`; returns the path of report.md. */
export async function writeReplayReport(dir: string, input: ReplayReportInput): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { results, settings } = input;
  const rows = results.policies.flatMap((p) =>
    p.deadlines.map((d) => ({ policy: LABEL[p.name], ...d })),
  );
  const byPolicy = (metric: 'effectiveAccuracy' | 'metRate', title: string): TopLevelSpec => ({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 300,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'deadlineMs',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'deadline (ms)',
      },
      y: { field: metric, type: 'quantitative', axis: { format: '%' }, title },
      color: { field: 'policy', type: 'nominal', sort: REPLAY_POLICIES.map((p) => LABEL[p]) },
      strokeDash: {
        condition: { test: "indexof(datum.policy, 'Edgent') >= 0", value: [1, 0] },
        value: [4, 3],
      },
    },
  });
  await writeFile(
    join(dir, 'effective-accuracy.svg'),
    await svgOf(byPolicy('effectiveAccuracy', 'Effective accuracy (accuracy when met, else 0)')),
  );
  await writeFile(join(dir, 'met-rate.svg'), await svgOf(byPolicy('metRate', 'Deadline met')));
  if (input.sample) await writeFile(join(dir, 'trace.svg'), await svgOf(traceFigure(input)));

  const machine = describeMachine();
  const deadlines = results.policies[0]?.deadlines.map((d) => d.deadlineMs) ?? [];
  const find = (name: ReplayPolicy, deadlineMs: number) =>
    results.policies
      .find((p) => p.name === name)
      ?.deadlines.find((d) => d.deadlineMs === deadlineMs);
  const accuracy = (name: ReplayPolicy, deadlineMs: number | 'mean') =>
    deadlineMs === 'mean'
      ? deadlines.reduce((sum, d) => sum + (find(name, d)?.effectiveAccuracy ?? Number.NaN), 0) /
        deadlines.length
      : (find(name, deadlineMs)?.effectiveAccuracy ?? Number.NaN);
  const verdict = [...deadlines, 'mean' as const].map((d) => {
    const cells = (['edgent-static', 'edgent-dynamic'] as const).map((e) => {
      const me = accuracy(e, d);
      const beats = (['device-only', 'edge-only', 'partition-only', 'exit-only'] as const)
        .map((b) => `${b} ${signedPoints(me - accuracy(b, d))}`)
        .join(', ');
      return `${pct(me)} (vs ${beats}; oracle ${signedPoints(me - accuracy('oracle', d))} points)`;
    });
    return `| ${d === 'mean' ? 'mean over the deadlines' : `${d} ms`} | ${cells.join(' | ')} |`;
  });
  const md = [
    '# Trace-driven replay: Edgent against its baselines',
    '',
    `\`edgent experiment replay --model ${settings.model} --traces ${settings.traces} --scale ${settings.scale} --interval-ms ${settings.intervalMs} --deadlines ${settings.deadlines} --rtt ${settings.rttMs}ms --device-slowdown ${settings.deviceSlowdown} --encoding ${settings.encoding}\``,
    '',
    `${settings.traceCount} traces, ${Math.round(Number(settings.tracedSeconds))} s in all, rates x${settings.scale}; a request every ${settings.intervalMs} ms (one at a time: an arrival while the device is busy is skipped); true RTT ${settings.rttMs} ms. Device: ${settings.device}${Number(settings.deviceSlowdown) > 1 ? `, slowed x${settings.deviceSlowdown}` : ''}; edge: ${settings.edge}. The device's and the edge's compute are what their profiles predict; the link is the trace. Simulated in ${settings.seconds.toFixed(1)} s on ${machine.cpu} (${machine.cores} cores, Node ${machine.node}).`,
    '',
    'Effective accuracy is the exit\'s test accuracy when the deadline was met, else 0, over the requests served. "Missed among feasible" is the share of requests planned to meet the deadline that did not.',
    '',
    '## Edgent against each baseline and the oracle (effective accuracy; differences in points)',
    '',
    '| deadline | Edgent (static) | Edgent (dynamic) |',
    '|---|---|---|',
    ...verdict,
    '',
    ...deadlines.flatMap((d) => [
      `## ${d} ms`,
      '',
      '| policy | requests | effective accuracy | met | mean ms | p95 ms | missed among feasible | plans used (exit/partition: share) |',
      '|---|---|---|---|---|---|---|---|',
      ...results.policies.map((p) => {
        const r = find(p.name, d);
        if (!r) return `| ${LABEL[p.name]} | – |`;
        const top = Object.entries(r.plans)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([k, n]) => `${k}: ${pct(n / r.requests)}`)
          .join(', ');
        return `| ${LABEL[p.name]} | ${r.requests} | ${pct(r.effectiveAccuracy)} | ${pct(r.metRate)} | ${ms(r.meanMs)} | ${ms(r.p95Ms)} | ${pct(r.missedAmongFeasible)} | ${top} |`;
      }),
      '',
    ]),
    'Figures: `effective-accuracy.svg`, `met-rate.svg`, and `trace.svg` (one replayed trace with the estimates and the plans).',
    '',
  ].join('\n');
  await writeFile(
    join(dir, 'report.json'),
    `${JSON.stringify({ settings, machine, ...results }, null, 2)}\n`,
  );
  await writeFile(join(dir, 'report.md'), md);
  return join(dir, 'report.md');
}

/** One replayed trace: its rate, each Edgent policy's estimate, and every policy's cut over time. */
function traceFigure(input: ReplayReportInput): TopLevelSpec {
  const sample = input.sample as NonNullable<ReplayReportInput['sample']>;
  const rate: { t: number; kbps: number; series: string }[] = [];
  const last = sample.requests['edgent-static']?.at(-1)?.atMs ?? 0;
  for (let t = 0; t <= last; t += Math.max(250, last / 300)) {
    rate.push({
      t: t / 1000,
      kbps: 1000 * rateAt(sample.trace, t / 1000, { atEnd: 'loop' }),
      series: 'trace',
    });
  }
  // At most about 300 points a series, so the figure stays small.
  const thin = <T>(xs: readonly T[]) =>
    xs.filter((_, i) => i % Math.max(1, Math.ceil(xs.length / 300)) === 0);
  for (const policy of ['edgent-static', 'edgent-dynamic'] as const) {
    for (const r of thin(sample.requests[policy] ?? [])) {
      if (r.estimateBps !== undefined) {
        rate.push({
          t: r.atMs / 1000,
          kbps: r.estimateBps / 1000,
          series: `${LABEL[policy]} estimate`,
        });
      }
    }
  }
  const plans = (['edgent-static', 'edgent-dynamic', 'oracle'] as const).flatMap((policy) =>
    thin(sample.requests[policy] ?? []).map((r) => ({
      t: r.atMs / 1000,
      layersOnDevice: r.partition,
      exit: r.exit,
      met: r.met ? 'met' : 'missed',
      policy: LABEL[policy],
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Trace ${sample.name} (deadline ${input.sampleDeadlineMs} ms)`,
    vconcat: [
      {
        width: 640,
        height: 200,
        data: { values: rate },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time (s)' },
          y: { field: 'kbps', type: 'quantitative', scale: { type: 'symlog' }, title: 'kbit/s' },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
      {
        width: 640,
        height: 200,
        data: { values: plans },
        mark: { type: 'point', size: 10, filled: true },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time (s)' },
          y: {
            field: 'layersOnDevice',
            type: 'quantitative',
            title: 'layers on the device (partition)',
          },
          color: { field: 'policy', type: 'nominal' },
          shape: { field: 'met', type: 'nominal', title: null },
          row: undefined,
        },
      },
    ],
  } as TopLevelSpec;
}

/** What a sweep report is made of. */
export interface SweepReportInput {
  settings: Record<string, unknown>;
  results: SweepResult[];
  rawInputBytes: number;
}

const kbps = (bps: number) =>
  bps >= 1e6 ? `${+(bps / 1e6).toPrecision(3)} Mbit/s` : `${+(bps / 1e3).toPrecision(3)} kbit/s`;

/** Writes the sweep report into `dir`; returns the path of report.md. */
export async function writeSweepReport(dir: string, input: SweepReportInput): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { settings, results } = input;
  const sections: string[] = [];
  for (const r of results) {
    const x = `x${r.slowdown}`;
    const fig5: TopLevelSpec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `Edgent's choice (exit/partition) by bandwidth and deadline, device ${x}`,
      data: {
        values: r.choices.map((c) => ({
          ...c,
          bw: kbps(c.bandwidthBps),
          label: `${c.exit}/${c.partition}`,
        })),
      },
      width: 640,
      height: 260,
      encoding: {
        x: { field: 'bw', type: 'ordinal', sort: { field: 'bandwidthBps' }, title: 'bandwidth' },
        y: { field: 'deadlineMs', type: 'ordinal', sort: 'descending', title: 'deadline (ms)' },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'where', type: 'nominal', title: 'runs' } } },
        { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'label' } } },
      ],
    };
    const fig6: TopLevelSpec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `Predicted latency of the five methods vs deadline, device ${x}`,
      data: { values: r.methods.map((m) => ({ ...m, bw: kbps(m.bandwidthBps) })) },
      facet: {
        column: { field: 'bw', type: 'ordinal', sort: { field: 'bandwidthBps' }, title: null },
      },
      spec: {
        width: 220,
        height: 220,
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              x: {
                field: 'deadlineMs',
                type: 'quantitative',
                scale: { type: 'log' },
                title: 'deadline (ms)',
              },
              y: {
                field: 'predictedMs',
                type: 'quantitative',
                scale: { type: 'log' },
                title: 'predicted latency (ms)',
              },
              color: { field: 'method', type: 'nominal' },
            },
          },
          {
            mark: { type: 'line', strokeDash: [2, 2], color: 'black' },
            encoding: {
              x: { field: 'deadlineMs', type: 'quantitative' },
              y: { field: 'deadlineMs', type: 'quantitative' },
            },
          },
        ],
      },
    } as TopLevelSpec;
    await writeFile(join(dir, `fig5-${x}.svg`), await svgOf(fig5));
    await writeFile(join(dir, `fig6-${x}.svg`), await svgOf(fig6));

    const bandwidths = [...new Set(r.choices.map((c) => c.bandwidthBps))];
    const deadlines = [...new Set(r.choices.map((c) => c.deadlineMs))];
    const cell = (b: number, d: number) =>
      r.choices.find((c) => c.bandwidthBps === b && c.deadlineMs === d);
    const splits = r.choices.filter((c) => c.where === 'split');
    const changes = deadlines.flatMap((d) => {
      const row = bandwidths.map((b) => cell(b, d));
      const out: string[] = [];
      for (let i = 1; i < row.length; i++) {
        const a = row[i - 1];
        const b = row[i];
        if (a && b && (a.exit !== b.exit || a.partition !== b.partition)) {
          out.push(
            `${d} ms: ${a.exit}/${a.partition} (${a.where}) up to ${kbps(a.bandwidthBps)}, ${b.exit}/${b.partition} (${b.where}) from ${kbps(b.bandwidthBps)}`,
          );
        }
      }
      return out;
    });
    const methods = ['edgent', 'device-only', 'edge-only', 'partition-only', 'exit-only'] as const;
    sections.push(
      `## Device ${x}`,
      '',
      `### Fig. 5 analogue: Edgent's exit/partition (${settings.encoding}, RTT ${settings.rttMs} ms; * = planned infeasible, the fastest plan)`,
      '',
      `| deadline \\ bandwidth | ${bandwidths.map(kbps).join(' | ')} |`,
      `|---|${bandwidths.map(() => '---').join('|')}|`,
      ...deadlines.map(
        (d) =>
          `| ${d} ms | ${bandwidths
            .map((b) => {
              const c = cell(b, d);
              return c ? `${c.exit}/${c.partition}${c.feasible ? '' : '*'}` : '–';
            })
            .join(' | ')} |`,
      ),
      '',
      `Where the choice changes with bandwidth: ${changes.length ? '' : 'nowhere.'}`,
      ...changes.map((c) => `- ${c}`),
      '',
      splits.length
        ? `Interior cuts (0 < p < end) chosen in ${splits.length} of ${r.choices.length} cells: ${splits.map((c) => `${c.exit}/${c.partition} at ${kbps(c.bandwidthBps)}, ${c.deadlineMs} ms (${c.bytesUp} B)`).join('; ')}.`
        : `No interior cut (0 < p < end) is chosen in any of the ${r.choices.length} cells.`,
      '',
      `### Fig. 6 analogue: each method's plan, predicted ms (effective accuracy: the exit's accuracy if the prediction meets the deadline, else 0)`,
      '',
      ...[...new Set(r.methods.map((m) => m.bandwidthBps))].flatMap((b) => [
        `At ${kbps(b)}:`,
        '',
        `| deadline | ${methods.join(' | ')} |`,
        `|---|${methods.map(() => '---').join('|')}|`,
        ...deadlines.map(
          (d) =>
            `| ${d} ms | ${methods
              .map((m) => {
                const c = r.methods.find(
                  (x) => x.method === m && x.bandwidthBps === b && x.deadlineMs === d,
                );
                return c
                  ? `${c.exit}/${c.partition}: ${c.predictedMs.toFixed(1)} ms, ${pct(c.effectiveAccuracy)}`
                  : '–';
              })
              .join(' | ')} |`,
        ),
        '',
      ]),
    );
  }
  const cuts = results[0]?.cuts ?? [];
  const md = [
    '# Sweep: what Edgent chooses, and the five methods, from the profiles',
    '',
    `\`edgent experiment sweep --model ${settings.model} --from ${settings.from} --to ${settings.to} --points ${settings.points} --deadlines ${settings.deadlines} --device-slowdown ${results.map((r) => r.slowdown).join(',')} --rtt ${settings.rttMs}ms --encoding ${settings.encoding}\``,
    '',
    `Model ${settings.model}; device profile: ${settings.device} (scaled by the slow-down); edge profile: ${settings.edge}. Predictions of the shared planner on these profiles, no clock.`,
    '',
    `## Bytes sent at each cut of the last exit (${settings.encoding}, with the ${settings.headerBytes}-byte header)`,
    '',
    `An interior cut pays only if it sends fewer bytes than the input does at p = 0 (the ${settings.input ?? 'raw image'}: ${input.rawInputBytes} B + header = ${input.rawInputBytes + Number(settings.headerBytes)} B) and saves enough edge compute.`,
    '',
    '| p | after layer | bytes up |',
    '|---|---|---|',
    ...cuts.map((c) => `| ${c.partition} | ${c.after} | ${c.bytesUp} |`),
    '',
    ...sections,
    'Figures: `fig5-x<N>.svg` (choice by bandwidth and deadline) and `fig6-x<N>.svg` (predicted latency of the five methods vs deadline).',
    '',
  ].join('\n');
  await writeFile(
    join(dir, 'report.json'),
    `${JSON.stringify({ settings, machine: describeMachine(), results }, null, 2)}\n`,
  );
  await writeFile(join(dir, 'report.md'), md);
  return join(dir, 'report.md');
}

/** Writes the live report into `dir`; returns the path of report.md. */
export async function writeLiveReport(
  dir: string,
  input: { settings: Record<string, unknown>; cells: LiveCell[] },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { settings, cells } = input;
  const total = cells.reduce((n, c) => n + c.requests, 0);
  const within = cells.reduce((n, c) => n + c.within25 * c.requests, 0) / total;
  const gap = cells.map((c) => c.measured.metRate - c.simulated.metRate);
  const meanAbsGap = gap.reduce((a, b) => a + Math.abs(b), 0) / Math.max(1, gap.length);
  const figure: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Deadline met: measured against simulated, per cell',
    width: 360,
    height: 360,
    data: {
      values: cells.map((c) => ({
        ...c,
        link: kbps(c.bandwidthBps),
        measuredMet: c.measured.metRate,
        simulatedMet: c.simulated.metRate,
      })),
    },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 80 },
        encoding: {
          x: {
            field: 'simulatedMet',
            type: 'quantitative',
            axis: { format: '%' },
            scale: { domain: [0, 1] },
            title: 'simulated',
          },
          y: {
            field: 'measuredMet',
            type: 'quantitative',
            axis: { format: '%' },
            scale: { domain: [0, 1] },
            title: 'measured',
          },
          color: { field: 'link', type: 'nominal', sort: { field: 'bandwidthBps' } },
          shape: { field: 'deadlineMs', type: 'nominal', title: 'deadline (ms)' },
        },
      },
      {
        data: { values: [{ a: 0 }, { a: 1 }] },
        mark: { type: 'line', strokeDash: [3, 3], color: 'gray' },
        encoding: {
          x: { field: 'a', type: 'quantitative' },
          y: { field: 'a', type: 'quantitative' },
        },
      },
    ],
  };
  await writeFile(join(dir, 'met-measured-vs-simulated.svg'), await svgOf(figure));
  const md = [
    '# Live: real co-inference against the simulation of the same cells',
    '',
    `\`edgent experiment live --edge ${settings.edge} --backend ${settings.backend} --device-slowdown ${settings.deviceSlowdown} --delay ${settings.delayMs}ms --images ${settings.images} --encoding ${settings.encoding}\``,
    '',
    `Model ${settings.model}; device: tfjs ${settings.backend} (${settings.device})${Number(settings.deviceSlowdown) > 1 ? `, slowed x${settings.deviceSlowdown}` : ''}; edge: ${settings.edgeDevice}. Each cell: the edge emulates the link (a fixed rate, ${settings.delayMs} ms each way), the device forgets its estimate and measures the link (3 probe rounds), then classifies ${settings.images} Fashion-MNIST test images back to back with the static policy. The simulation of a cell replays a constant link of that rate with the same delays, the device and edge taking what their profiles predict.`,
    '',
    `Over all ${total} requests, ${pct(within)} had a measured total within ±25% of the prediction. Measured and simulated deadline-met rates differ by ${(100 * meanAbsGap).toFixed(1)} points on average.`,
    '',
    '| link | estimate measured | deadline | met (measured) | met (simulated) | measured − simulated | within ±25% | missed among feasible | mean ms | p95 ms | correct | plans |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...cells.map(
      (c) =>
        `| ${kbps(c.bandwidthBps)} | ${c.measuredBps ? kbps(c.measuredBps) : '–'} | ${c.deadlineMs} ms | ${pct(c.measured.metRate)} | ${pct(c.simulated.metRate)} | ${(100 * (c.measured.metRate - c.simulated.metRate)).toFixed(0)} | ${pct(c.within25)} | ${pct(c.missedAmongFeasible)} | ${ms(c.measured.meanMs)} | ${ms(c.measured.p95Ms)} | ${pct(c.measured.correct)} | ${Object.entries(
          c.plans,
        )
          .map(([k, n]) => `${k}: ${n}`)
          .join(', ')} |`,
    ),
    '',
    'Figure: `met-measured-vs-simulated.svg`.',
    '',
  ].join('\n');
  await writeFile(
    join(dir, 'report.json'),
    `${JSON.stringify({ settings, machine: describeMachine(), cells }, null, 2)}\n`,
  );
  await writeFile(join(dir, 'report.md'), md);
  return join(dir, 'report.md');
}
