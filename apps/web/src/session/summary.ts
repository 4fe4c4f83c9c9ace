import type { AnswerRecord } from './state';

/**
 * The session at a glance, from its log of answers: how many, how accurate
 * where the true class was known, how often the deadline was met (measured,
 * per request), and which plans ran; and the log as CSV or JSON.
 */

/** What the session summary shows. */
export interface SessionSummary {
  answers: number;
  /** Answers whose true class was known (gallery images), and how many were right. */
  labelled: number;
  correct: number;
  /** Answers that met their deadline, as measured. */
  met: number;
  /** Answers planned as feasible that then missed their deadline. */
  promisedButMissed: number;
  feasible: number;
  /** Plans that ran, most used first. */
  plans: { exit: number; partition: number; count: number }[];
}

export function summarise(log: readonly AnswerRecord[]): SessionSummary {
  const plans = new Map<string, { exit: number; partition: number; count: number }>();
  let labelled = 0;
  let correct = 0;
  let met = 0;
  let feasible = 0;
  let promisedButMissed = 0;
  for (const r of log) {
    if (r.trueLabel !== undefined) {
      labelled++;
      if (r.trueLabel === r.label) correct++;
    }
    if (r.met) met++;
    if (r.feasible) {
      feasible++;
      if (!r.met) promisedButMissed++;
    }
    const key = `${r.exit}/${r.partition}`;
    const p = plans.get(key) ?? { exit: r.exit, partition: r.partition, count: 0 };
    p.count++;
    plans.set(key, p);
  }
  return {
    answers: log.length,
    labelled,
    correct,
    met,
    feasible,
    promisedButMissed,
    plans: [...plans.values()].sort(
      (a, b) => b.count - a.count || a.exit - b.exit || a.partition - b.partition,
    ),
  };
}

const PARTS = ['device', 'upload', 'edge', 'download', 'total'] as const;

/** The CSV columns, in order. */
const CSV_COLUMNS: readonly string[] = [
  'request',
  't_s',
  'source',
  'name',
  'label',
  'class',
  'confidence',
  'true_label',
  'correct',
  'exit',
  'partition',
  'online',
  'deadline_ms',
  'met',
  'feasible',
  'bandwidth_bps',
  ...PARTS.map((p) => `predicted_${p}_ms`),
  ...PARTS.map((p) => `measured_${p}_ms`),
];

/** One row per answer, RFC 4180 quoting, a header first. */
export function logToCsv(log: readonly AnswerRecord[]): string {
  const rows = log.map((r) => [
    r.request,
    r.t.toFixed(3),
    r.source,
    r.name,
    r.label,
    r.className,
    r.confidence.toFixed(6),
    r.trueLabel ?? '',
    r.trueLabel === undefined ? '' : r.trueLabel === r.label,
    r.exit,
    r.partition,
    r.online,
    r.deadlineMs,
    r.met,
    r.feasible,
    r.bandwidthBps === undefined ? '' : Math.round(r.bandwidthBps),
    ...PARTS.map((p) => r.predicted[p].toFixed(3)),
    ...PARTS.map((p) => r.measured[p].toFixed(3)),
  ]);
  return `${[CSV_COLUMNS, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: unknown): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The log as JSON, with the summary. */
export function logToJson(log: readonly AnswerRecord[]): string {
  return `${JSON.stringify({ summary: summarise(log), answers: log }, null, 2)}\n`;
}
