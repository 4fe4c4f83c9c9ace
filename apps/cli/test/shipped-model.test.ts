import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bAlexNet, describeModel, type ModelManifest } from '@edgent/model';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

const dir = fileURLToPath(new URL('../../../models/b-alexnet-fmnist/', import.meta.url));
const manifest = async () =>
  JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;

describe('the shipped default model', () => {
  it('is B-AlexNet with 5 exits for 28x28x1 and weights of at most 5 MB', async () => {
    const m = await manifest();
    expect(m.architecture).toEqual(bAlexNet());
    expect(describeModel(m.architecture)).toHaveLength(5);
    expect((await stat(join(dir, 'weights.bin'))).size).toBeLessThanOrEqual(5 * 2 ** 20);
  });

  it('records its training: command, seed, time, machine', async () => {
    const t = (await manifest()).training as Record<string, unknown>;
    expect(t.command).toMatch(/^pnpm edgent train/);
    expect(typeof t.seed).toBe('number');
    expect(t.durationSeconds as number).toBeGreaterThan(0);
    expect(t.durationSeconds as number).toBeLessThanOrEqual(90 * 60);
    expect(t.machine).toMatchObject({ cores: expect.any(Number) });
  });

  it('meets the accuracy targets on all 10,000 test images, never falling with depth', async () => {
    const ev = (await manifest()).evaluation;
    expect(ev?.count).toBe(10_000);
    const acc = (ev?.exits ?? []).map((e) => e.accuracy);
    expect(acc).toHaveLength(5);
    expect(acc[0]).toBeGreaterThanOrEqual(0.8);
    expect(acc[4]).toBeGreaterThanOrEqual(0.91);
    for (let e = 1; e < acc.length; e++)
      expect(acc[e]).toBeGreaterThanOrEqual(acc[e - 1] as number);
  });

  it('edgent eval on the shipped weights reproduces the manifest within 0.1 point', async () => {
    const r = await runCli(['eval', '--check']);
    expect(r.stderr).toMatch(/every exit within 0.1 points of the manifest/);
    expect(r.code).toBe(0);
  });
});
