/**
 * `edgent experiment` as a person runs it: replay on a folder of small
 * traces (the JSON other tools read, and the report), sweep across device
 * slow-downs, and bad input refused with exit 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgent-experiment-'));
  await writeFile(join(dir, 'fast.tsv'), '0\t4\n5\t4\n');
  await writeFile(join(dir, 'drop.tsv'), '0\t4\n5\t0.05\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('edgent experiment replay', () => {
  it('prints every policy at every deadline as JSON, and writes the report and figures', async () => {
    const out = join(dir, 'replay');
    const r = await runCli([
      'experiment',
      'replay',
      '--traces',
      dir,
      '--deadlines',
      '30,100',
      '--json',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      policies: { name: string; deadlines: Record<string, number>[] }[];
    };
    expect(json.policies.map((p) => p.name)).toEqual([
      'edgent-static',
      'edgent-dynamic',
      'device-only',
      'edge-only',
      'partition-only',
      'exit-only',
      'oracle',
      'clairvoyant',
    ]);
    for (const p of json.policies) {
      expect(p.deadlines.map((d) => d.deadlineMs)).toEqual([30, 100]);
      for (const d of p.deadlines) {
        for (const key of ['effectiveAccuracy', 'metRate']) {
          expect(d[key], `${p.name} ${key}`).toBeGreaterThanOrEqual(0);
          expect(d[key], `${p.name} ${key}`).toBeLessThanOrEqual(1);
        }
        expect(d.meanMs).toBeGreaterThan(0);
        expect(d.p95Ms).toBeGreaterThanOrEqual((d.meanMs ?? 0) * 0.5);
      }
    }
    const clairvoyant = json.policies.find((p) => p.name === 'clairvoyant');
    for (const p of json.policies) {
      for (const [i, d] of p.deadlines.entries()) {
        expect(clairvoyant?.deadlines[i]?.effectiveAccuracy ?? 0).toBeGreaterThanOrEqual(
          (d.effectiveAccuracy ?? 0) - 1e-9,
        );
      }
    }
    for (const f of [
      'report.md',
      'report.json',
      'effective-accuracy.svg',
      'met-rate.svg',
      'trace.svg',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // The verdict ends with the mean over the deadlines, as the JSON's figures give it.
    const rates = (json.policies[0]?.deadlines ?? []).map((d) => d.effectiveAccuracy ?? 0);
    const mean = (100 * rates.reduce((a, b) => a + b, 0)) / rates.length;
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain(`| mean over the deadlines | ${mean.toFixed(1)}% (vs device-only `);
    expect(report).not.toMatch(/ -0\.0\b/);
  }, 120_000);

  it.each([
    [['--traces', '/no/such/folder'], /cannot read --traces/],
    [['--deadlines', ''], /deadlines/],
    [['--scale', '0'], /expected a number above 0/],
    [['--model', 'no-such-model'], /cannot read .*no-such-model.*manifest\.json/],
    [['--model', 'b-alexnet-fmnist', '--model-dir', '.'], /not both/],
  ])('refuses %j with exit 2', async (args, message) => {
    const r = await runCli(['experiment', 'replay', ...args, '--out', join(dir, 'bad')]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});

describe('edgent experiment sweep', () => {
  it('moves work to the edge as the device slows down; no interior cut wins on the 28x28 model', async () => {
    const r = await runCli([
      'experiment',
      'sweep',
      '--device-slowdown',
      '1,32',
      '--points',
      '5',
      '--json',
      '--out',
      join(dir, 'sweep'),
    ]);
    expect(r.code).toBe(0);
    const { results } = JSON.parse(r.stdout) as {
      results: { slowdown: number; choices: { where: string }[]; cuts: { bytesUp: number }[] }[];
    };
    expect(results.map((x) => x.slowdown)).toEqual([1, 32]);
    const edgeSide = (x: (typeof results)[number]) =>
      x.choices.filter((c) => c.where !== 'device-only').length;
    expect(edgeSide(results[1] as (typeof results)[number])).toBeGreaterThan(
      edgeSide(results[0] as (typeof results)[number]),
    );
    // Every interior cut of the last exit sends more than the raw input (p = 0).
    const cuts = results[0]?.cuts ?? [];
    for (const c of cuts.slice(1)) expect(c.bytesUp).toBeGreaterThan(cuts[0]?.bytesUp ?? 0);
    for (const x of results) expect(x.choices.some((c) => c.where === 'split')).toBe(false);
  }, 120_000);
});
