import { describe, expect, it } from 'vitest';
import { topClasses } from '../src/session/engine-helpers';
import type { AnswerRecord } from '../src/session/state';
import { logToCsv, logToJson, summarise } from '../src/session/summary';

/** The CSV header, column by column: a change to it breaks the files people keep. */
const PARTS = ['device', 'upload', 'edge', 'download', 'total'];
const CSV_COLUMNS = [
  ...'request,t_s,source,name,label,class,confidence,true_label,correct,exit,partition'.split(','),
  ...'online,deadline_ms,met,feasible,bandwidth_bps'.split(','),
  ...PARTS.map((p) => `predicted_${p}_ms`),
  ...PARTS.map((p) => `measured_${p}_ms`),
];

const parts = { device: 1, upload: 2, edge: 3, download: 0.5, total: 6.5 };
function record(patch: Partial<AnswerRecord>): AnswerRecord {
  return {
    request: 1,
    t: 1.5,
    source: 'gallery',
    name: 'test image 0 (Ankle boot)',
    label: 9,
    className: 'Ankle boot',
    confidence: 0.9,
    trueLabel: 9,
    exit: 4,
    partition: 2,
    online: true,
    deadlineMs: 100,
    met: true,
    feasible: true,
    bandwidthBps: 1e6,
    predicted: parts,
    measured: parts,
    ...patch,
  };
}

describe('session summary', () => {
  it('counts accuracy on labelled answers, measured deadline hits, broken promises and plans', () => {
    const log = [
      record({ request: 1 }),
      record({ request: 2, label: 7, met: false }),
      record({ request: 3, source: 'upload', trueLabel: undefined, exit: 0, partition: 0 }),
      record({ request: 4, feasible: false, met: false }),
    ];
    expect(summarise(log)).toEqual({
      answers: 4,
      labelled: 3,
      correct: 2,
      met: 2,
      feasible: 3,
      promisedButMissed: 1,
      plans: [
        { exit: 4, partition: 2, count: 3 },
        { exit: 0, partition: 0, count: 1 },
      ],
    });
    expect(summarise([])).toMatchObject({ answers: 0, plans: [] });
  });

  it('exports one CSV row per answer, quoting where needed, and JSON with the summary', () => {
    const log = [
      record({}),
      record({ request: 2, name: 'a "quoted", name', trueLabel: undefined }),
    ];
    const lines = logToCsv(log).trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[2]).toContain('"a ""quoted"", name"');
    expect(lines[1]?.split(',')).toHaveLength(CSV_COLUMNS.length);
    const json = JSON.parse(logToJson(log));
    expect(json.answers).toHaveLength(2);
    expect(json.summary.labelled).toBe(1);
  });

  it('ranks the top classes by softmax probability', () => {
    const top = topClasses(Float32Array.from([0, 2, 1, -1, 0, 0, 0, 0, 0, 3]), 3);
    expect(top.map((c) => c.label)).toEqual([9, 1, 2]);
    expect(top[0]?.className).toBe('Ankle boot');
    const sum = [0, 2, 1, -1, 0, 0, 0, 0, 0, 3].reduce((a, v) => a + Math.exp(v), 0);
    expect(top[0]?.probability).toBeCloseTo(Math.exp(3) / sum, 9);
  });
});
