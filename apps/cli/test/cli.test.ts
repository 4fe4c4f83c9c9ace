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
    const args = [
      'train',
      '--model',
      'tiny',
      '--epochs',
      '1',
      '--limit',
      '256',
      '--eval-limit',
      '200',
      '--workers',
      '0',
      '--out',
      out,
      '--checkpoint-dir',
      join(dir, 'ck'),
    ];
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
