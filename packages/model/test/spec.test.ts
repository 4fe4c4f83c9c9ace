import { describe, expect, it } from 'vitest';
import {
  bAlexNet,
  describeModel,
  describePath,
  type ExitSpec,
  FEATURE_NAMES,
  type ModelSpec,
  tinyMultiExit,
  validateSpec,
  weightShapes,
} from '../src/index';

describe('model as data', () => {
  it('B-AlexNet has 5 valid exits, ordered by depth, ending in 10 classes', () => {
    const spec = bAlexNet();
    expect(() => validateSpec(spec)).not.toThrow();
    expect(spec.exits).toHaveLength(5);
    const paths = describeModel(spec);
    for (const p of paths) expect(p.layers.at(-1)?.outputShape).toEqual([10]);
    const flops = paths.map((p) => p.layers.reduce((a, l) => a + l.flops, 0));
    for (let e = 1; e < flops.length; e++) expect(flops[e]).toBeGreaterThan(flops[e - 1] as number);
  });

  it('records chain shapes, bytes and the regression features of each kind', () => {
    for (const p of describeModel(bAlexNet())) {
      expect(p.inputBytes).toBe(28 * 28 * 4);
      p.layers.forEach((l, i) => {
        expect(l.index).toBe(i);
        if (i > 0) expect(l.inputShape).toEqual(p.layers[i - 1]?.outputShape);
        expect(l.outputBytes).toBe(4 * l.outputShape.reduce((a, b) => a * b, 1));
        expect(l.features).toHaveLength(FEATURE_NAMES[l.kind].length);
      });
    }
  });

  it('counts conv FLOPs, parameters and features as the paper defines them', () => {
    const conv1 = describePath(bAlexNet(), 4).layers[0];
    expect(conv1).toMatchObject({
      kind: 'conv2d',
      outputShape: [28, 28, 32],
      params: 5 * 5 * 32 + 32,
    });
    expect(conv1?.flops).toBe(2 * 28 * 28 * 32 * 25);
    expect(conv1?.features).toEqual([28 * 28, 25 * 32]);
    const pool1 = describePath(bAlexNet(), 4).layers[2];
    expect(pool1).toMatchObject({
      kind: 'maxpool',
      outputShape: [14, 14, 32],
      features: [28 * 28 * 32, 14 * 14 * 32],
    });
  });

  it('keeps the default weights under 5 MB', () => {
    const params = weightShapes(bAlexNet()).reduce(
      (n, w) => n + w.shape.reduce((a, b) => a * b, 1),
      0,
    );
    expect(params * 4).toBeLessThanOrEqual(5 * 2 ** 20);
  });

  it('shares trunk weights between exits (each weight listed once)', () => {
    const names = weightShapes(bAlexNet()).map((w) => w.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('rejects malformed specs with the reason', () => {
    const base = tinyMultiExit();
    const [first, second] = base.exits as [ExitSpec, ExitSpec];
    const dup: ModelSpec = {
      ...base,
      exits: [{ ...first, branch: [{ kind: 'dense', name: 'c1', units: 3 }] }, second],
    };
    expect(() => validateSpec(dup)).toThrow(/"c1" is used twice/);
    const unordered: ModelSpec = { ...base, exits: [second, first] };
    expect(() => validateSpec(unordered)).toThrow(/ordered by depth/);
    const wrongClasses: ModelSpec = { ...base, classes: 4 };
    expect(() => validateSpec(wrongClasses)).toThrow(/expected \[4\]/);
    expect(() => describePath(base, 2)).toThrow(/exits 0..1/);
  });
});
