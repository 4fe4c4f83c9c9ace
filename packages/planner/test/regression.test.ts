import { describe, expect, it } from 'vitest';
import {
  evaluateLatencyModel,
  fitLatencyModel,
  fitLinear,
  fitQuality,
  type LatencySample,
  PRODUCT_FEATURES,
  predictLayerMs,
  predictSliceMs,
  scaleLatency,
} from '../src/regression';
import { fakePath, gaussian, reluModel, rng } from './fakes';

describe('fitLinear', () => {
  it.each([
    { name: 'one variable', intercept: 1, weights: [2], scale: [1] },
    {
      name: 'two variables at layer scales',
      intercept: 0.3,
      weights: [2e-5, 4e-3],
      scale: [1e6, 1e3],
    },
    { name: 'zero intercept', intercept: 0, weights: [1.5, -0.25, 3], scale: [10, 100, 1] },
  ])('recovers $name from noiseless data', ({ intercept, weights, scale }) => {
    const u = rng(7);
    const xs = Array.from({ length: 40 }, () => scale.map((s) => s * (0.1 + u())));
    const ys = xs.map((x) => intercept + x.reduce((a, v, j) => a + v * (weights[j] as number), 0));
    const fit = fitLinear(xs, ys);
    expect(fit.intercept).toBeCloseTo(intercept, 6);
    fit.weights.forEach((w, j) => {
      expect(w).toBeCloseTo(weights[j] as number, 6 + Math.log10(scale[j] as number));
    });
  });

  it('recovers coefficients within noise from seeded noisy data', () => {
    const u = rng(42);
    const xs = Array.from({ length: 500 }, () => [1e5 * u(), 1e3 * u()]);
    const ys = xs.map(
      ([a, b]) => 2 + 1e-4 * (a as number) + 5e-3 * (b as number) + 0.1 * gaussian(u),
    );
    const fit = fitLinear(xs, ys);
    expect(Math.abs(fit.intercept - 2)).toBeLessThan(0.05);
    expect(Math.abs((fit.weights[0] as number) / 1e-4 - 1)).toBeLessThan(0.01);
    expect(Math.abs((fit.weights[1] as number) / 5e-3 - 1)).toBeLessThan(0.02);
  });

  it('gives a constant column weight 0 and still fits the rest', () => {
    const xs = [1, 2, 3, 4, 5].map((x) => [x, 7]);
    const fit = fitLinear(
      xs,
      xs.map(([x]) => 1 + 2 * (x as number)),
    );
    expect(fit.weights[1]).toBe(0);
    expect(fit.weights[0]).toBeCloseTo(2, 6);
    expect(fit.intercept).toBeCloseTo(1, 6);
  });

  it('stays solvable with duplicated columns', () => {
    const xs = [1, 2, 3, 4].map((x) => [x, x]);
    const fit = fitLinear(
      xs,
      xs.map(([x]) => 3 * (x as number)),
    );
    expect((fit.weights[0] as number) + (fit.weights[1] as number)).toBeCloseTo(3, 6);
  });

  it.each([
    { name: 'mismatched lengths', xs: [[1], [2]], ys: [1] },
    { name: 'no samples', xs: [], ys: [] },
    { name: 'ragged rows', xs: [[1], [2, 3]], ys: [1, 2] },
    { name: 'non-finite values', xs: [[1], [Number.NaN]], ys: [1, 2] },
  ])('rejects $name', ({ xs, ys }) => {
    expect(() => fitLinear(xs, ys)).toThrow(
      expect.objectContaining({ code: 'EDGENT_ERR_BAD_FIT_INPUT' }),
    );
  });
});

describe('fitLatencyModel and predictLayerMs', () => {
  const samples = (seed: number, n: number, product: number): LatencySample[] => {
    const u = rng(seed);
    const out: LatencySample[] = [];
    for (let i = 0; i < n; i++) {
      const a = 1e4 * (0.1 + u());
      const b = 100 * (0.1 + u());
      out.push({
        kind: 'conv2d',
        features: [a, b],
        ms: 0.5 + 1e-4 * a + 0.01 * b + product * a * b,
      });
      const r = 1e5 * u();
      out.push({ kind: 'relu', features: [r], ms: 0.05 + 2e-6 * r });
    }
    return out;
  };

  it('fits one model per kind with the paper variables by default', () => {
    const m = fitLatencyModel(samples(1, 30, 0), { backend: 'wasm', device: 'test' });
    expect(Object.keys(m.kinds).sort()).toEqual(['conv2d', 'relu']);
    expect(m.kinds.conv2d?.terms).toBeUndefined();
    expect(m.kinds.conv2d?.intercept).toBeCloseTo(0.5, 6);
    expect(m.kinds.conv2d?.weights[1]).toBeCloseTo(0.01, 8);
    expect(m.kinds.relu?.weights[0]).toBeCloseTo(2e-6, 10);
    expect(predictLayerMs(m, { kind: 'relu', features: [1e5] })).toBeCloseTo(0.25, 6);
  });

  it('beats the paper variables on held-out layers when the truth has a product term', () => {
    const train = samples(2, 60, 1e-6);
    const held = samples(3, 40, 1e-6).filter((s) => s.kind === 'conv2d');
    const meta = { backend: 'wasm', device: 'test' };
    const paper = evaluateLatencyModel(fitLatencyModel(train, meta), held);
    const product = evaluateLatencyModel(
      fitLatencyModel(train, { ...meta, features: PRODUCT_FEATURES }),
      held,
    );
    expect(product.n).toBe(40);
    expect(product.within10).toBe(1);
    expect(product.mape).toBeLessThan(1e-3);
    expect(paper.mape).toBeGreaterThan(product.mape);
  });

  it('keeps the terms on the model so prediction applies them', () => {
    const m = fitLatencyModel(samples(4, 30, 1e-6), {
      backend: 'wasm',
      device: 'test',
      features: PRODUCT_FEATURES,
    });
    expect(m.kinds.conv2d?.terms).toEqual([[0], [1], [0, 1]]);
    expect(m.kinds.conv2d?.weights[2]).toBeCloseTo(1e-6, 9);
    const ms = 0.5 + 1e-4 * 5000 + 0.01 * 50 + 1e-6 * 5000 * 50;
    expect(predictLayerMs(m, { kind: 'conv2d', features: [5000, 50] })).toBeCloseTo(ms, 6);
  });

  it('needs one more sample than variables per kind', () => {
    const two = samples(5, 2, 0).filter((s) => s.kind === 'conv2d');
    expect(() => fitLatencyModel(two, { backend: 'b', device: 'd' })).toThrow(/conv2d: 2 samples/);
  });

  it.each([
    { name: 'clamps a negative prediction to 0', model: reluModel(-5, 1), x: 2, ms: 0 },
    { name: 'multiplies by the calibration', model: reluModel(1, 0.5, 2), x: 4, ms: 6 },
    { name: 'calibration 1 when absent', model: reluModel(1, 0.5), x: 4, ms: 3 },
    {
      name: "multiplies by its kind's calibration and the overall one",
      model: { ...reluModel(1, 0.5, 2), kindCalibration: { relu: 1.5, dense: 9 } },
      x: 4,
      ms: 9,
    },
  ])('$name', ({ model, x, ms }) => {
    expect(predictLayerMs(model, { kind: 'relu', features: [x] })).toBeCloseTo(ms, 12);
  });

  it('names the kind a model lacks', () => {
    expect(() => predictLayerMs(reluModel(0, 1), { kind: 'dense', features: [1, 2] })).toThrow(
      expect.objectContaining({
        code: 'EDGENT_ERR_NO_LATENCY_MODEL',
        message: expect.stringContaining('no regression for dense; it has relu'),
      }),
    );
  });
});

describe('predictSliceMs', () => {
  const model = { ...reluModel(1, 0.5), callOverheadMs: 2, readbackMsPerByte: 0.01 };
  const layer = (name: string, e: number) => ({
    name,
    kind: 'relu' as const,
    features: [e],
    outputBytes: 4 * e,
  });

  it('costs nothing for an empty slice', () => {
    expect(predictSliceMs(model, [])).toBe(0);
  });

  it('adds the call once, every layer, and the read-back of the last output only', () => {
    // layers: 1 + 0.5 * 10 = 6 and 1 + 0.5 * 2 = 2; call 2; read-back of 8 bytes.
    expect(predictSliceMs(model, [layer('a', 10), layer('b', 2)])).toBeCloseTo(
      2 + 6 + 2 + 0.08,
      12,
    );
    expect(predictSliceMs(model, [layer('b', 2), layer('a', 10)])).toBeCloseTo(2 + 2 + 6 + 0.4, 12);
  });

  it("uses a layer's measured time instead of its regression when the model has one", () => {
    const measured = { ...model, layerMs: { a: 0.75 }, calibration: 3 };
    expect(predictLayerMs(measured, layer('a', 10))).toBe(0.75);
    expect(predictLayerMs(measured, layer('b', 2))).toBeCloseTo(6, 12);
    expect(predictLayerMs(measured, { kind: 'relu', features: [10] })).toBeCloseTo(18, 12);
  });
});

describe('fitQuality', () => {
  it.each([
    {
      name: 'odd count',
      pairs: [
        [105, 100],
        [80, 100],
        [10, 10],
        [11.5, 10],
        [9.5, 10],
      ],
      within10: 3 / 5,
      mape: 5,
    },
    {
      name: 'even count, median of the middle two',
      pairs: [
        [10, 10],
        [105, 100],
        [115, 100],
        [1.2, 1],
      ],
      within10: 2 / 4,
      mape: 10,
    },
    {
      name: 'exactly 10% counts as within',
      pairs: [
        [110, 100],
        [90, 100],
      ],
      within10: 1,
      mape: 10,
    },
  ])('$name', ({ pairs, within10, mape }) => {
    const q = fitQuality(
      pairs.map(([predicted, measured]) => ({
        predicted: predicted as number,
        measured: measured as number,
      })),
    );
    expect(q.n).toBe(pairs.length);
    expect(q.within10).toBeCloseTo(within10, 12);
    expect(q.mape).toBeCloseTo(mape, 9);
  });

  it('reports NaN on no pairs and rejects a zero measurement', () => {
    expect(fitQuality([])).toEqual({ within10: Number.NaN, mape: Number.NaN, n: 0 });
    expect(() => fitQuality([{ predicted: 1, measured: 0 }])).toThrow(/measurement 0 is 0/);
  });
});

describe('scaleLatency', () => {
  it('multiplies every prediction: regressions, per-layer times, call and read-back costs', () => {
    const path = fakePath(0, 0.9, [100, 200, 300]);
    const base = {
      ...reluModel(0.5, 0.01, 1.2),
      layerMs: { l1: 0.7 },
      callOverheadMs: 0.3,
      readbackMsPerByte: 1e-4,
    };
    const slow = scaleLatency(base, 16);
    for (const layer of path.layers) {
      expect(predictLayerMs(slow, layer)).toBeCloseTo(16 * predictLayerMs(base, layer), 9);
    }
    expect(predictSliceMs(slow, path.layers)).toBeCloseTo(
      16 * predictSliceMs(base, path.layers),
      9,
    );
    expect(base.layerMs.l1).toBe(0.7);
  });
});
