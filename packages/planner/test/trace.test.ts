import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  meanRateBetween,
  parseTrace,
  rateAt,
  scaleTrace,
  traceDuration,
  transferSeconds,
} from '../src/bandwidth/trace';
import { PlannerError } from '../src/errors';
import { readTrace, TRACE_DIR } from './helpers';

const small = parseTrace('0\t1\n1\t4\n3\t2\n', 'small');

describe('parseTrace', () => {
  it('reads seconds and Mbit/s, skipping blank and # lines', () => {
    expect(parseTrace('# header\n0.0\t1.5\n\n0.5 2\r\n1.25\t0\n')).toEqual({
      t: [0, 0.5, 1.25],
      mbps: [1.5, 2, 0],
    });
  });

  it.each([
    ['0\t1\n1\n', /line 2: expected 2 fields/],
    ['0\t1\n1\tabc\n', /line 2: Mbit\/s must be a finite number >= 0, got "abc"/],
    ['0\t-1\n', /line 1: Mbit\/s must be/],
    ['x\t1\n', /line 1: seconds must be/],
    ['0\t1\n2\t1\n2\t3\n', /line 3: seconds must increase, got 2 after 2/],
    ['# only a comment\n', /no samples/],
  ])('rejects %j naming the line', (text, message) => {
    expect(() => parseTrace(text, 'my.tsv')).toThrow(message);
    try {
      parseTrace(text, 'my.tsv');
    } catch (err) {
      expect(err).toBeInstanceOf(PlannerError);
      expect((err as PlannerError).code).toBe('EDGENT_ERR_BAD_TRACE');
      expect((err as Error).message).toMatch(/^my\.tsv/);
    }
  });
});

describe('rateAt', () => {
  it('holds each sample until the next', () => {
    expect([0, 0.99, 1, 2.5, 3].map((s) => rateAt(small, s))).toEqual([1, 1, 4, 4, 2]);
  });

  it('gives the first rate before the first sample', () => {
    expect(rateAt(parseTrace('2\t3\n4\t5\n'), 0)).toBe(3);
  });

  it('clamps past the end by default, or loops with the last gap as the last hold', () => {
    expect(traceDuration(small)).toBe(5);
    expect(rateAt(small, 100)).toBe(2);
    expect([5, 5.5, 6, 8.5, 10.2].map((s) => rateAt(small, s, { atEnd: 'loop' }))).toEqual([
      1, 1, 4, 2, 1,
    ]);
  });
});

describe('meanRateBetween and transferSeconds', () => {
  it('averages over time', () => {
    expect(meanRateBetween(small, 0, 3)).toBeCloseTo((1 + 4 * 2) / 3, 12);
    expect(meanRateBetween(small, 0.5, 0.5)).toBe(1);
  });

  it('integrates the rate until the bytes are through', () => {
    // 1 Mbit in the first second, then 4 Mbit/s: 3 Mbit take 1.5 s.
    expect(transferSeconds(small, 0, 3e6 / 8)).toBeCloseTo(1.5, 12);
    expect(transferSeconds(small, 10, 1e6 / 8)).toBeCloseTo(0.5, 12);
    expect(transferSeconds(parseTrace('0\t1\n1\t0\n'), 0, 2e6 / 8)).toBe(Number.POSITIVE_INFINITY);
    expect(transferSeconds(parseTrace('0\t1\n1\t0\n'), 0, 2e6 / 8, { atEnd: 'loop' })).toBeCloseTo(
      3,
      12,
    );
  });

  /** The transfer time by walking the looping trace in steps of 1 ms: slow, obviously right. */
  function walkedSeconds(trace: typeof small, startS: number, bytes: number): number {
    const step = 1e-3;
    let left = (bytes * 8) / 1e6;
    let s = startS;
    while (left > 0) {
      left -= rateAt(trace, s, { atEnd: 'loop' }) * step;
      s += step;
    }
    return s - startS;
  }

  it('in loop mode, matches a 1 ms walk of the replayed trace, over many replays', () => {
    const gappy = parseTrace('0.5\t2\n1\t0\n1.5\t3\n2\t0.5\n', 'gappy');
    for (const [start, bytes] of [
      [0, 1e5],
      [0.7, 2e6],
      [3.2, 5e5],
      [41.9, 3e6],
    ] as const) {
      expect(transferSeconds(gappy, start, bytes, { atEnd: 'loop' })).toBeCloseTo(
        walkedSeconds(gappy, start, bytes),
        2,
      );
    }
  });

  it('stays bounded whatever the rates: a 1e-300 scale, a huge size, a late start', () => {
    // Walking this segment by segment would take about 1e300 replays (issue 10: a link message
    // with scale 1e-300 hung the edge).
    const tiny = scaleTrace(small, 1e-300);
    const seconds = transferSeconds(tiny, 0, 1000, { atEnd: 'loop' });
    expect(seconds).toBeGreaterThan(1e290);
    expect(transferSeconds(small, 1e17, 1e15, { atEnd: 'loop' })).toBeGreaterThan(1e8);
    expect(transferSeconds(small, 0, Number.MAX_VALUE, { atEnd: 'loop' })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(transferSeconds(small, 0, 0, { atEnd: 'loop' })).toBe(0);
  });
});

describe('scaleTrace', () => {
  it('multiplies rates and leaves the input alone', () => {
    const half = scaleTrace(small, 0.5);
    expect(half).toEqual({ t: [0, 1, 3], mbps: [0.5, 2, 1] });
    expect(small.mbps).toEqual([1, 4, 2]);
  });

  it.each([0, -1, Number.NaN])('rejects factor %s', (f) => {
    expect(() => scaleTrace(small, f)).toThrow(/factor must be a finite number > 0/);
  });
});

describe(`real traces in ${TRACE_DIR}`, () => {
  it('every norway-hsdpa trace parses', () => {
    const files = readdirSync(TRACE_DIR).filter((f) => f.endsWith('.tsv'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readTrace(f).t.length).toBeGreaterThan(10);
  });
});
