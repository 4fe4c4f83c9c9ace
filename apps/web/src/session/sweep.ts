import type { Classification } from '@edgent/device';
import { csvCell } from './summary';

/**
 * The page's small experiment: the simulated link stepped through the
 * presets, a few gallery images classified at each, and for each preset what
 * Edgent measured beside what the four baselines would have predicted on the
 * same inputs (the link estimate the page measured and the deadline).
 */

/** The methods of the table, in order. */
export const SWEEP_METHODS = [
  'edgent',
  'deviceOnly',
  'edgeOnly',
  'partitionOnly',
  'exitOnly',
] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];

/** One method at one preset. */
interface SweepCell {
  /** Edgent as measured; the baselines as predicted (they were not run). */
  basis: 'measured' | 'predicted';
  requests: number;
  /** Share meeting the deadline (measured for Edgent, predicted for the baselines). */
  metRate: number;
  /** Mean latency, ms (same basis). */
  meanMs: number;
  /** Mean accuracy of the exits used when the deadline was met, else 0 (the exits' test accuracy). */
  effectiveAccuracy: number;
  /** Requests per plan, `exit/partition`. */
  plans: Record<string, number>;
}

/** One preset of the sweep. */
export interface SweepRow {
  preset: string;
  rateKbps: number;
  delayMs: number;
  deadlineMs: number;
  /** The estimate the page measured before the preset's requests, bit/s. */
  estimateBps: number | undefined;
  /** Share of Edgent's answers with the true class (gallery images are labelled). */
  correct: number;
  methods: Record<SweepMethod, SweepCell>;
}

/** One answer of the sweep and whether its class was right. */
export interface SweepAnswer {
  r: Classification;
  correct: boolean;
}

/** Sums a preset's answers into its row. */
export function sweepRow(
  preset: { label: string; rateKbps: number; delayMs: number },
  deadlineMs: number,
  estimateBps: number | undefined,
  answers: readonly SweepAnswer[],
): SweepRow {
  const cell = (method: SweepMethod): SweepCell => {
    const plans: Record<string, number> = {};
    let met = 0;
    let sum = 0;
    let effective = 0;
    for (const { r } of answers) {
      const plan = method === 'edgent' ? r.plan : r.baselines[method];
      const ms = method === 'edgent' ? r.measured.total : plan.predicted.total;
      sum += ms;
      if (ms <= deadlineMs) {
        met++;
        effective += plan.accuracy;
      }
      const key = `${plan.exit}/${plan.partition}`;
      plans[key] = (plans[key] ?? 0) + 1;
    }
    const n = answers.length;
    return {
      basis: method === 'edgent' ? 'measured' : 'predicted',
      requests: n,
      metRate: n ? met / n : Number.NaN,
      meanMs: n ? sum / n : Number.NaN,
      effectiveAccuracy: n ? effective / n : Number.NaN,
      plans,
    };
  };
  return {
    preset: preset.label,
    rateKbps: preset.rateKbps,
    delayMs: preset.delayMs,
    deadlineMs,
    estimateBps,
    correct: answers.length ? answers.filter((a) => a.correct).length / answers.length : Number.NaN,
    methods: Object.fromEntries(SWEEP_METHODS.map((m) => [m, cell(m)])) as Record<
      SweepMethod,
      SweepCell
    >,
  };
}

/** The sweep as CSV (RFC 4180): one line per preset and method. */
export function sweepToCsv(rows: readonly SweepRow[]): string {
  const head = [
    'preset',
    'rate_kbps',
    'delay_ms',
    'deadline_ms',
    'estimate_bps',
    'method',
    'basis',
    'requests',
    'met_rate',
    'mean_ms',
    'effective_accuracy',
    'plans',
  ];
  const lines = rows.flatMap((row) =>
    SWEEP_METHODS.map((m) => {
      const c = row.methods[m];
      return [
        row.preset,
        row.rateKbps,
        row.delayMs,
        row.deadlineMs,
        row.estimateBps === undefined ? '' : Math.round(row.estimateBps),
        m,
        c.basis,
        c.requests,
        c.metRate.toFixed(4),
        c.meanMs.toFixed(3),
        c.effectiveAccuracy.toFixed(4),
        Object.entries(c.plans)
          .map(([k, n]) => `${k}:${n}`)
          .join(' '),
      ];
    }),
  );
  return `${[head, ...lines].map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** The sweep as JSON. */
export function sweepToJson(rows: readonly SweepRow[]): string {
  return `${JSON.stringify({ rows }, null, 2)}\n`;
}
