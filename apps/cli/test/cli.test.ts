import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

describe('edgent CLI', () => {
  it('prints help for the program and each command, exit 0', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/train \[options\]/);
    expect(top.stdout).toMatch(/eval \[options\]/);
    const train = await runCli(['train', '--help']);
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/--exit-weights <list>/);
  });

  it.each([
    [
      ['train', '--epochs', 'x'],
      /--epochs <n>' argument 'x' is invalid\. expected a whole number from 1 to 1000/,
    ],
    [['train', '--lr', '-1'], /--lr <x>' argument '-1' is invalid|expected a number above 0/],
    [['train', '--exit-weights', '1,,2'], /expected comma-separated numbers/],
    [['eval', '--backend', 'gpu'], /expected one of wasm, cpu, got "gpu"/],
    [['train', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('rejects %j with a clear message and exit code 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('refuses exit weights that do not fit the model, exit 2', async () => {
    const r = await runCli(['train', '--model', 'tiny', '--exit-weights', '1,1,1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--exit-weights has 3 values; model tiny has 2 exits/);
  });

  it('trains a tiny model, records how, and eval --check reproduces it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgent-cli-'));
    const out = join(dir, 'model');
    const args = oneEpoch('tiny', dir, { limit: 256, evalLimit: 200 });
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/epoch 1\/1 \|=+\| \d+\/\d+ steps \| loss \d/);
    expect(r.stdout).toMatch(/Trained in/);
    expect(existsSync(join(dir, 'ck', 'epoch-001', 'weights.bin'))).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.training.command).toBe(`pnpm edgent ${args.join(' ')}`);
    expect(manifest.training.seed).toBe(1);
    expect(manifest.evaluation.count).toBe(200);
    expect(manifest.evaluation.exits).toHaveLength(2);

    const check = await runCli(['eval', '--model-dir', out, '--limit', '200', '--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/output bytes/);

    const more = await runCli([
      ...args.map((a) => (a === '1' && args[args.indexOf(a) - 1] === '--epochs' ? '2' : a)),
      '--resume',
    ]);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stdout).toMatch(/resuming after epoch 1/);
    const resumed = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(resumed.training.command).toBe(
      `pnpm edgent ${args.join(' ').replace('--epochs 1', '--epochs 2')}`,
    );
    expect(resumed.training.resumedAfterEpoch).toBe(1);
    const other = await runCli([...args, '--lr', '0.01', '--resume']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/was made with other settings/);

    resumed.evaluation.exits[1].accuracy += 0.01;
    await writeFile(join(out, 'manifest.json'), JSON.stringify(resumed));
    const off = await runCli(['eval', '--model-dir', out, '--limit', '200', '--check']);
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/exits final differ from the manifest by more than 0.1 points/);
  });
});

describe('edgent train on the camera model', () => {
  it('trains with batch normalisation, checkpoints a folded copy, and ships the folded model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgent-cli-bn-'));
    const out = join(dir, 'model');
    const args = oneEpoch('b-convnet-camera', dir, { limit: 64, evalLimit: 20, batchSize: 32 });
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/folded for inference in .*epoch-001[/\\]model/);
    const layers = (m: { architecture: { trunk: { name: string; batchNorm?: boolean }[] } }) =>
      m.architecture.trunk.filter((l) => l.batchNorm).map((l) => l.name);
    const checkpoint = JSON.parse(
      await readFile(join(dir, 'ck', 'epoch-001', 'manifest.json'), 'utf8'),
    );
    // The checkpoint keeps the training spec (to resume); its folded copy and the shipped model
    // are plain convolutions.
    expect(layers(checkpoint)).toContain('conv1');
    expect(checkpoint.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain(
      'conv1/gamma',
    );
    const folded = JSON.parse(
      await readFile(join(dir, 'ck', 'epoch-001', 'model', 'manifest.json'), 'utf8'),
    );
    const shipped = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    for (const m of [folded, shipped]) {
      expect(layers(m)).toEqual([]);
      expect(JSON.stringify(m.weightsManifest)).not.toContain('gamma');
    }
    // The shipped model is the last checkpoint's folded copy.
    expect(await readFile(join(out, 'weights.bin'))).toEqual(
      await readFile(join(dir, 'ck', 'epoch-001', 'model', 'weights.bin')),
    );
    expect(shipped.training.batchNorm).toEqual({
      folded: true,
      statisticsFromTrainingExamples: 64,
    });
    const check = await runCli(['eval', '--model-dir', out, '--limit', '20', '--check']);
    expect(check.code, check.stderr).toBe(0);
  }, 300_000);
});

describe('edgent eval on a model of colour frames', () => {
  it('measures it on the composed test frames, with JPEG sizes, bytes per cut and int8 at the bottleneck, and records them', async () => {
    const { encodeWeights, initialWeights, seededRng, tinyMultiExit, writeModelDir } = await import(
      '@edgent/model/node'
    );
    const dir = await mkdtemp(join(tmpdir(), 'edgent-cli-rgb-'));
    const base = tinyMultiExit(10, [64, 64, 3]);
    const [c1, ...rest] = base.trunk;
    const spec = { ...base, id: 'tiny-rgb', trunk: [{ ...c1, bottleneck: true }, ...rest] };
    const { manifest, bytes } = await encodeWeights(
      spec as typeof base,
      initialWeights(spec as typeof base, seededRng(2)),
    );
    await writeModelDir(dir, manifest, bytes);
    const r = await runCli(['eval', '--model-dir', dir, '--limit', '20', '--write']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /Frames as sent at partition 0: JPEG quality 90, median \d+ B \(p10 \d+, p90 \d+\) over 20 test frames/,
    );
    expect(r.stdout).toMatch(/c1 \(bottleneck\)/);
    expect(r.stdout).toMatch(/int8 \/ frame at p=0/);
    expect(r.stdout).toMatch(/│ c1\s+│ 0 early\s+│ \d+\.\d\d% of 20/);
    const written = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(written.evaluation).toMatchObject({
      dataset: 'fashion-mnist-composed',
      count: 20,
      composition: { generator: 'edgent-compose/1', size: 64, sceneSeed: 2002 },
      frameBytes: { codec: 'jpeg', quality: 90, count: 20 },
    });
    const check = await runCli(['eval', '--model-dir', dir, '--limit', '20', '--check']);
    expect(check.code, check.stderr).toBe(0);
  });
});

/** `edgent train` arguments for one epoch on `limit` images, without workers, writing under `dir`. */
function oneEpoch(
  model: string,
  dir: string,
  o: { limit: number; evalLimit: number; batchSize?: number },
): string[] {
  return [
    'train',
    '--model',
    model,
    '--epochs',
    '1',
    '--limit',
    String(o.limit),
    ...(o.batchSize ? ['--batch-size', String(o.batchSize)] : []),
    '--eval-limit',
    String(o.evalLimit),
    '--workers',
    '0',
    '--out',
    join(dir, 'model'),
    '--checkpoint-dir',
    join(dir, 'ck'),
  ];
}
