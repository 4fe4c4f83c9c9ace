import type { Classification } from '@edgent/device';
import type { Plan } from '@edgent/planner';
import { describe, expect, it } from 'vitest';
import { sweepRow, sweepToCsv, sweepToJson } from '../src/session/sweep';

const plan = (exit: number, partition: number, total: number, accuracy: number): Plan => ({
  exit,
  partition,
  predicted: { device: total, upload: 0, edge: 0, download: 0, total },
  accuracy,
  bytesUp: 0,
  bytesDown: 0,
  feasible: true,
});

/** An answer that took `measured` ms with Edgent's plan, and what the baselines predicted. */
function answer(measured: number): Classification {
  const edgent = plan(4, 0, 10, 0.9);
  return {
    label: 1,
    confidence: 0.9,
    scores: new Float32Array(2),
    plan: edgent,
    measured: { device: 0, upload: measured / 2, edge: 0, download: measured / 2, total: measured },
    online: true,
    baselines: {
      deviceOnly: plan(4, 22, 60, 0.9),
      edgeOnly: plan(4, 0, 10, 0.9),
      partitionOnly: plan(4, 0, 10, 0.9),
      exitOnly: plan(2, 12, 20, 0.85),
    },
    input: { bandwidthBps: 1e6, rttMs: 5, deadlineMs: 30 },
  };
}

describe('the page sweep', () => {
  const row = sweepRow({ label: '1.5 Mbit/s', rateKbps: 1500, delayMs: 5 }, 30, 1.4e6, [
    { r: answer(12), correct: true },
    { r: answer(45), correct: false },
  ]);

  it('sums Edgent as measured and the baselines as predicted on the same inputs', () => {
    expect(row.methods.edgent).toEqual({
      basis: 'measured',
      requests: 2,
      metRate: 0.5,
      meanMs: 28.5,
      effectiveAccuracy: 0.45,
      plans: { '4/0': 2 },
    });
    expect(row.methods.deviceOnly).toMatchObject({ basis: 'predicted', metRate: 0, meanMs: 60 });
    expect(row.methods.exitOnly).toMatchObject({
      metRate: 1,
      effectiveAccuracy: 0.85,
      plans: { '2/12': 2 },
    });
    expect(row.correct).toBe(0.5);
  });

  it('exports one CSV line per preset and method, and JSON', () => {
    const lines = sweepToCsv([row]).trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 5);
    expect(lines[0]).toBe(
      'preset,rate_kbps,delay_ms,deadline_ms,estimate_bps,method,basis,requests,met_rate,mean_ms,effective_accuracy,plans',
    );
    expect(lines[1]).toBe(
      '1.5 Mbit/s,1500,5,30,1400000,edgent,measured,2,0.5000,28.500,0.4500,4/0:2',
    );
    expect(JSON.parse(sweepToJson([row])).rows[0].preset).toBe('1.5 Mbit/s');
  });
});
