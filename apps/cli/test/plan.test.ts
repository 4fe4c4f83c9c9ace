import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bAlexNet, describeModel } from '@edgent/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

// A model folder (manifest only: plan reads no weights) and two hand-made
// profiles: a device ~30x slower than the edge, with a per-call overhead.
let dir = '';
const linear = (perUnit: number) => ({
  conv2d: { intercept: 0.01, weights: [0, 0], terms: [[0], [1]] },
  relu: { intercept: 0.001, weights: [perUnit] },
  maxpool: { intercept: 0.001, weights: [perUnit, 0] },
  lrn: { intercept: 0.001, weights: [perUnit] },
  dropout: { intercept: 0, weights: [0] },
  dense: { intercept: 0.001, weights: [0, 0] },
});
const profile = (backend: string, perUnit: number, convPerMac: number) => {
  const kinds = linear(perUnit);
  // conv time ~ input size x (k/s)^2 x filters (the product of the paper's two variables).
  kinds.conv2d = {
    intercept: 0.01,
    weights: [0, 0, convPerMac],
    terms: [[0], [1], [0, 1]],
  } as never;
  return {
    format: 'edgent-profile/2',
    model: { id: bAlexNet().id },
    backend,
    device: `fake ${backend}`,
    latency: { backend, device: 'fake', kinds, callOverheadMs: 0.05 },
  };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgent-plan-'));
  const spec = bAlexNet();
  const accuracy = [0.86, 0.88, 0.89, 0.9, 0.915];
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({
      format: 'edgent-model/1',
      id: spec.id,
      hash: `sha256:${'0'.repeat(64)}`,
      architecture: spec,
      weightsManifest: [],
      evaluation: {
        dataset: 'fashion-mnist',
        split: 'test',
        count: 10000,
        backend: 'wasm',
        exits: accuracy.map((a, exit) => ({
          exit,
          name: `exit${exit + 1}`,
          accuracy: a,
          correct: 0,
          count: 10000,
        })),
      },
    }),
  );
  await writeFile(join(dir, 'device.json'), JSON.stringify(profile('cpu', 3e-5, 3e-7)));
  await writeFile(join(dir, 'edge.json'), JSON.stringify(profile('wasm', 1e-6, 1e-8)));
  await writeFile(
    join(dir, 'other-model.json'),
    JSON.stringify({ ...profile('wasm', 1e-6, 1e-8), model: { id: 'tiny-multi-exit' } }),
  );
});

const plan = (...args: string[]) =>
  runCli([
    'plan',
    '--model-dir',
    dir,
    '--device-profile',
    join(dir, 'device.json'),
    '--edge-profile',
    join(dir, 'edge.json'),
    ...args,
  ]);

describe('edgent plan', () => {
  it('prints the plan, the baselines and every candidate', async () => {
    const r = await plan('--bandwidth', '10Mbit', '--deadline', '300ms', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.input).toEqual({ bandwidthBps: 10e6, rttMs: 20, deadlineMs: 300 });
    expect(out.plan).toMatchObject({ exit: 4, feasible: true });
    const partitions = describeModel(bAlexNet()).reduce((a, p) => a + p.layers.length + 1, 0);
    expect(out.candidates).toHaveLength(partitions);
    expect(Object.keys(out.baselines).sort()).toEqual([
      'deviceOnly',
      'edgeOnly',
      'exitOnly',
      'partitionOnly',
    ]);
    const text = await plan('--bandwidth', '10Mbit', '--deadline', '300ms');
    expect(text.stdout).toMatch(/Plan: exit 4 \(91\.50%\)/);
    expect(text.stdout).toMatch(/Every candidate/);
  });

  it('gives up accuracy as the link and the deadline tighten', async () => {
    const acc = async (bw: string, deadline: string) =>
      JSON.parse((await plan('--bandwidth', bw, '--deadline', deadline, '--json')).stdout).plan
        .accuracy as number;
    const fast = await acc('10Mbit', '300ms');
    const slow = await acc('50kbit', '30ms');
    expect(slow).toBeLessThanOrEqual(fast);
  });

  it.each([
    [
      ['--bandwidth', '500', '--deadline', '300ms'],
      /--bandwidth <rate>' argument '500' is invalid\. "500" is not a rate; accepted forms: 500kbit/,
    ],
    [['--bandwidth', '2MB', '--deadline', '300ms'], /bytes are not accepted/],
    [
      ['--bandwidth', '1Mbit', '--deadline', '300'],
      /--deadline <time>' argument '300' is invalid\. "300" is not a duration; accepted forms: 300ms/,
    ],
    [
      ['--bandwidth', '1Mbit', '--deadline', '1s', '--encoding', 'int4'],
      /expected one of float32, float16, int8/,
    ],
    [['--deadline', '1s'], /required option '--bandwidth <rate>' not specified/],
  ])('rejects %j with exit code 2', async (args, message) => {
    const r = await plan(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('names a profile file that is not a profile, exit 2', async () => {
    const r = await runCli([
      'plan',
      '--model-dir',
      dir,
      '--device-profile',
      join(dir, 'manifest.json'),
      '--edge-profile',
      join(dir, 'edge.json'),
      '--bandwidth',
      '1Mbit',
      '--deadline',
      '1s',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--device-profile .*manifest\.json is not an edgent profile/);
  });

  it('refuses a profile made for another model, exit 2', async () => {
    const r = await runCli([
      'plan',
      '--model-dir',
      dir,
      '--edge-profile',
      join(dir, 'other-model.json'),
      '--device-profile',
      join(dir, 'device.json'),
      '--bandwidth',
      '1Mbit',
      '--deadline',
      '1s',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--edge-profile .*other-model\.json profiles model "tiny-multi-exit", but the model is "b-alexnet/,
    );
  });
});
