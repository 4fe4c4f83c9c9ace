import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { meanRateBetween, parseTrace } from '../src/bandwidth/trace';
import {
  buildConfigMap,
  type ConfigMap,
  configMapFromJson,
  configMapToJson,
  lookup,
  stateOf,
  statesFromTraces,
} from '../src/config-map/config-map';
import { createDynamicPlanner } from '../src/config-map/dynamic';
import type { Plan } from '../src/types';
import { haveTraces, readTrace, TRACE_DIR } from './helpers';

/** 8-layer path: partition 8 = device-only, 3 = split, 0 = edge-only. */
const PARTITION = { device: 8, split: 3, edge: 0 } as const;
type Place = keyof typeof PARTITION;

function plan(exit: number, partition: number, feasible = true): Plan {
  return {
    exit,
    partition,
    predicted: { device: 0, upload: 0, edge: 0, download: 0, total: 0 },
    accuracy: 0.5 + exit / 10,
    bytesUp: partition === 8 ? 0 : 1000,
    bytesDown: partition === 8 ? 0 : 40,
    feasible,
  };
}

/** Fake planner: device below 0.5 Mbit/s, split below 2, edge above; deeper exit with a longer deadline. */
function fakePlan(bps: number, deadlineMs: number): Plan {
  const place: Place = bps < 0.5e6 ? 'device' : bps < 2e6 ? 'split' : 'edge';
  return plan(deadlineMs >= 200 ? 4 : 2, PARTITION[place]);
}

const placeOf = (p: Plan): Place =>
  (Object.keys(PARTITION) as Place[]).find((k) => PARTITION[k] === p.partition) as Place;

const small = parseTrace('0\t0.2\n1\t0.4\n2\t1\n3\t1.5\n4\t3\n5\t5\n');

describe('statesFromTraces', () => {
  it('cuts pooled samples at quantiles, representative = median of each state', () => {
    const s = statesFromTraces([small], 3);
    expect(s.edgesBps).toHaveLength(2);
    // Sorted 0.2, 0.4, 1, 1.5, 3, 5 Mbit/s; quantiles 1/3 and 2/3 interpolate linearly.
    expect(s.edgesBps[0]).toBeCloseTo(0.8e6, 3);
    expect(s.edgesBps[1]).toBeCloseTo(2e6, 3);
    expect(s.representativeBps).toEqual([0.3e6, 1.25e6, 4e6]);
  });

  it('log-spaced edges between min and max, and the conservative `lower` representative', () => {
    const s = statesFromTraces([small], 2, { method: 'log', representative: 'lower' });
    expect(s.edgesBps[0]).toBeCloseTo(1e6, 0); // sqrt(0.2 * 5) Mbit/s
    expect(s.representativeBps).toEqual([0.2e6, s.edgesBps[0]]);
  });

  it('merges equal edges', () => {
    const flat = parseTrace('0\t1\n1\t1\n2\t1\n3\t2\n');
    expect(statesFromTraces([flat], 4).edgesBps).toEqual([1e6, 1.25e6]);
  });

  it('rejects bad k', () => {
    expect(() => statesFromTraces([small], 0)).toThrow(/k must be a whole number >= 1, got 0/);
  });
});

describe('buildConfigMap and lookup', () => {
  const map = buildConfigMap(
    { edgesBps: [0.5e6, 2e6], representativeBps: [0.25e6, 1e6, 4e6] },
    [300, 100, 200],
    fakePlan,
  );

  it('stores a plan per state and sorted deadline', () => {
    expect(map.deadlinesMs).toEqual([100, 200, 300]);
    expect(map.plans).toHaveLength(9);
    expect(map.plans.map((p) => `${placeOf(p)}/${p.exit}`)).toEqual([
      'device/2',
      'device/4',
      'device/4',
      'split/2',
      'split/4',
      'split/4',
      'edge/2',
      'edge/4',
      'edge/4',
    ]);
  });

  it.each([
    [0, 0, 'device'],
    [0.1e6, 1, 'device'],
    [0.5e6 - 1, 1, 'device'],
    [0.5e6, 1, 'split'], // an exact edge belongs to the state above
    [2e6, 2, 'edge'],
    [1e12, 2, 'edge'],
    [Number.POSITIVE_INFINITY, 2, 'edge'],
  ])('%s bit/s is state %s (%s)', (bps, _state, place) => {
    expect(placeOf(lookup(map, bps, 150))).toBe(place);
  });

  it('states: below the lowest edge 0, at an edge the upper state, above all the last', () => {
    expect([0, 0.5e6 - 1, 0.5e6, 1e6, 2e6, 9e9].map((b) => stateOf(map, b))).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
  });

  it.each([
    [50, 2], // below every deadline: the smallest
    [100, 2],
    [199.9, 2],
    [200, 4],
    [10_000, 4],
  ])('deadline %s ms uses exit %s', (deadline, exit) => {
    expect(lookup(map, 1e6, deadline).exit).toBe(exit);
  });

  it('rejects NaN and negative inputs', () => {
    expect(() => lookup(map, Number.NaN, 100)).toThrow(/bandwidth >= 0/);
    expect(() => lookup(map, 1e6, -1)).toThrow(/got 1000000 and -1/);
  });

  it('round-trips through JSON', () => {
    const back = configMapFromJson(configMapToJson(map));
    expect(back).toEqual(map);
    expect(lookup(back, 3e6, 250)).toEqual(lookup(map, 3e6, 250));
  });

  it.each([
    ['not json', /not JSON/],
    ['{"version":2}', /version must be 1/],
    [JSON.stringify({ ...map, edgesBps: [2e6, 0.5e6] }), /edgesBps must increase strictly/],
    [JSON.stringify({ ...map, representativeBps: [1] }), /one entry per state/],
    [JSON.stringify({ ...map, plans: map.plans.slice(1) }), /3 x|9 entries, got 8/],
    [
      JSON.stringify({ ...map, plans: [...map.plans.slice(1), { exit: 'x' }] }),
      /plans\[8\] is not a plan/,
    ],
  ])('rejects a bad map %#', (text, message) => {
    expect(() => configMapFromJson(text)).toThrow(message);
  });
});

describe('createDynamicPlanner', () => {
  const map = buildConfigMap(
    { edgesBps: [0.5e6, 2e6], representativeBps: [0.25e6, 1e6, 4e6] },
    [100, 200],
    fakePlan,
  );

  it('plans on the first sample, holds through noise and switches on a change', () => {
    const dyn = createDynamicPlanner(map, { deadlineMs: 150 });
    expect(dyn.plan).toBeUndefined();
    expect(placeOf(dyn.observe(3e6))).toBe('edge');
    for (let i = 0; i < 30; i++) dyn.observe(3e6 * (1 + 0.05 * Math.sin(i)));
    expect(dyn.switches).toBe(0);
    for (let i = 0; i < 5; i++) dyn.observe(0.3e6);
    expect(placeOf(dyn.plan as Plan)).toBe('device');
    expect(dyn.switches).toBe(1);
    expect(dyn.changes).toBe(1);
    // Looked up when the new segment held 2 samples; the prior (kappa0 0.1) pulls it ~10% up.
    expect((dyn.segmentBps as number) / 0.3e6).toBeGreaterThan(0.95);
    expect((dyn.segmentBps as number) / 0.3e6).toBeLessThan(1.2);
    dyn.setDeadline(250);
    expect(dyn.plan?.exit).toBe(4);
    expect(dyn.switches).toBe(2);
  });

  it('rejects a bad deadline or sample', () => {
    expect(() => createDynamicPlanner(map, { deadlineMs: Number.NaN })).toThrow(/deadlineMs/);
    expect(() => createDynamicPlanner(map, { deadlineMs: 100 }).observe(-1)).toThrow(/>= 0 bit\/s/);
  });
});

describe('on a real trace (shipped in traces/)', () => {
  const all = haveTraces
    ? readdirSync(TRACE_DIR)
        .filter((f) => f.endsWith('.tsv'))
        .map((f) => readTrace(f))
    : [];
  // Log-spaced: only ~3% of pooled samples are below 0.5 Mbit/s, so quantile
  // states would give the slow end no state of its own.
  const states = haveTraces
    ? statesFromTraces(all, 8, { method: 'log' })
    : { edgesBps: [], representativeBps: [1] };
  const map: ConfigMap = buildConfigMap(states, [100, 200, 300], fakePlan);

  // norway_ferry_19 spends time below 0.5, between 0.5 and 2, and above 2 Mbit/s.
  const trace = haveTraces ? readTrace('norway_ferry_19.tsv') : parseTrace('0\t1\n');
  const end = trace.t[trace.t.length - 1] as number;
  // A sample every 0.5 s: the mean rate over the last 0.5 s (what a transfer would see).
  const samples: number[] = [];
  for (let s = 0.5; s <= end; s += 0.5) samples.push(meanRateBetween(trace, s - 0.5, s) * 1e6);

  const dyn = createDynamicPlanner(map, { deadlineMs: 200 });
  const dynPlaces: Place[] = [];
  let naiveSwitches = 0;
  let agree = 0;
  let prev: Plan | undefined;
  for (const bps of samples) {
    dynPlaces.push(placeOf(dyn.observe(bps)));
    const naive = lookup(map, bps, 200);
    if (naive.partition === dyn.plan?.partition) agree++;
    if (prev && naive.partition !== prev.partition) naiveSwitches++;
    prev = naive;
  }

  it('the map holds 8 log-spaced states from all traces, each planned at its median', () => {
    expect(map.representativeBps).toHaveLength(8);
    expect(map.plans.map(placeOf)).toContain('device');
    expect(map.plans.map(placeOf)).toContain('split');
    expect(map.plans.map(placeOf)).toContain('edge');
    // Every stored plan is what the planner says at the state's representative bandwidth.
    map.representativeBps.forEach((bps, i) => {
      expect(map.plans[i * 3 + 1]).toEqual(fakePlan(bps, 200));
    });
  });

  it(`the map's choice follows the trace: device when slow, edge when fast (${samples.length} samples)`, () => {
    const byPlace = (lo: number, hi: number) =>
      samples.filter((b) => b >= lo && b < hi).map((b) => placeOf(lookup(map, b, 200)));
    // Well inside each band the map agrees with the fake planner.
    expect(new Set(byPlace(0, 0.35e6))).toEqual(new Set(['device']));
    expect(new Set(byPlace(2.9e6, 1e12))).toEqual(new Set(['edge']));
    expect(byPlace(0.8e6, 1.5e6).filter((p) => p === 'split').length).toBeGreaterThan(0);
  });

  const agreement = agree / samples.length;
  it(`dynamic planner: ${dyn.switches} switches (${dyn.changes} changes), naive per-sample ${naiveSwitches}; same placement on ${(agreement * 100).toFixed(0)}% of samples`, () => {
    expect(agreement).toBeGreaterThan(0.8);
    expect(new Set(dynPlaces)).toEqual(new Set(['device', 'split', 'edge']));
    expect(dyn.switches).toBeGreaterThan(2);
    expect(dyn.switches).toBeLessThan(naiveSwitches);
    expect(dyn.switches).toBeLessThanOrEqual(samples.length / 10);
  });
});
