import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DeviceProfile, describeModel, type ModelManifest } from '@edgent/model';
import { compilePlanner, fitQuality, predictLayerMs, predictSliceMs } from '@edgent/planner';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../../models/b-alexnet-fmnist/', import.meta.url));
const readJson = async <T>(file: string) =>
  JSON.parse(await readFile(join(dir, file), 'utf8')) as T;

describe.each(['device', 'edge'])('the shipped %s profile', (side) => {
  it('profiles the shipped architecture, and its slice report follows from its own samples', async () => {
    const manifest = await readJson<ModelManifest>('manifest.json');
    const p = await readJson<DeviceProfile>(`profiles/${side}.json`);
    expect(p.format).toBe('edgent-profile/2');
    expect(p.model.id).toBe(manifest.architecture.id);
    expect(p.latency).toEqual(p.variants[p.chosen].model);
    const paths = describeModel(manifest.architecture);
    const stat = p.timing.statistic;
    const pairs = p.samples.model.slices.map((s) => {
      const layers = paths[s.exit]?.layers.slice(s.from, s.to) ?? [];
      const predicted =
        p.chosen === 'paper'
          ? layers.reduce((a, l) => a + predictLayerMs(p.latency, l), 0)
          : predictSliceMs(p.latency, layers);
      return { predicted, measured: s[stat] };
    });
    // Every head [0, p) and tail [p, end) of every exit path, the whole path once.
    expect(pairs).toHaveLength(paths.reduce((n, q) => n + 2 * q.layers.length - 1, 0));
    expect(fitQuality(pairs)).toEqual(p.variants[p.chosen].slices);
  });
});

it('the shipped profiles plan for the shipped model', async () => {
  const manifest = await readJson<ModelManifest>('manifest.json');
  const device = await readJson<DeviceProfile>('profiles/device.json');
  const edge = await readJson<DeviceProfile>('profiles/edge.json');
  const paths = describeModel(manifest.architecture).map((q) => ({
    ...q,
    accuracy: manifest.evaluation?.exits[q.exit]?.accuracy ?? 0,
  }));
  const planner = compilePlanner(paths, device.latency, edge.latency, {
    encoding: 'float32',
    classes: 10,
  });
  // A generous deadline: the most accurate exit; an impossible one: infeasible.
  expect(planner.plan({ bandwidthBps: 1e6, rttMs: 20, deadlineMs: 10_000 })).toMatchObject({
    exit: 4,
    feasible: true,
  });
  expect(planner.plan({ bandwidthBps: 1e6, rttMs: 20, deadlineMs: 0.001 }).feasible).toBe(false);
});
