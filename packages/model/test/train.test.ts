import { describe, expect, it } from 'vitest';
import {
  bAlexNet,
  type Dataset,
  disposeModel,
  evaluate,
  initialWeights,
  jointLoss,
  modelFromWeights,
  registerWasmTrainingKernels,
  type StepReport,
  seededRng,
  type TrainCheckpoint,
  type TrainSettings,
  tf,
  tinyMultiExit,
  train,
  useBackend,
} from '../src/node';

/** Two easy classes of 12x12 images: bright top half vs bright bottom half, with noise. */
function toyData(count: number, seed: number): Dataset {
  const rng = seededRng(seed);
  const images = new Uint8Array(count * 144);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let p = 0; p < 144; p++) {
      const row = Math.floor(p / 12);
      const lit = label === 0 ? row < 6 : label === 1 ? row >= 6 : p % 12 < 6;
      images[i * 144 + p] = Math.round(255 * ((lit ? 0.75 : 0.1) + 0.2 * rng()));
    }
  }
  return {
    images,
    labels,
    count,
    height: 12,
    width: 12,
    channels: 1,
    classNames: ['top', 'bottom', 'left'],
  };
}

const spec = tinyMultiExit(3);
const settings = (over: Partial<TrainSettings> = {}): TrainSettings => ({
  epochs: 3,
  batchSize: 32,
  learningRate: 0.01,
  lrDecay: 0.9,
  exitWeights: [0.5, 1],
  seed: 11,
  workers: 0,
  backend: 'wasm',
  ...over,
});

describe('BranchyNet joint-loss training on wasm', () => {
  it('lowers the loss and learns every exit, on this thread and on two workers', async () => {
    registerWasmTrainingKernels();
    await useBackend('wasm');
    const data = toyData(384, 1);
    for (const workers of [0, 2]) {
      const steps: StepReport[] = [];
      const result = await train(
        spec,
        initialWeights(spec, seededRng(2)),
        data,
        settings({ workers }),
        { onStep: (r) => steps.push(r) },
      );
      expect(steps).toHaveLength(3 * 12);
      const mean = (xs: StepReport[]) => xs.reduce((a, r) => a + r.loss, 0) / xs.length;
      expect(mean(steps.slice(-4)), `workers ${workers}`).toBeLessThan(
        0.5 * mean(steps.slice(0, 4)),
      );
      const model = modelFromWeights(spec, result.weights);
      const acc = await evaluate(model, toyData(90, 9));
      disposeModel(model);
      for (const a of acc)
        expect(a.accuracy, `workers ${workers} exit ${a.exit}`).toBeGreaterThan(0.9);
    }
  });

  it('resuming from a checkpoint gives the weights of an unbroken run', async () => {
    await useBackend('wasm');
    const data = toyData(128, 3);
    const init = initialWeights(spec, seededRng(5));
    const straight = await train(spec, init, data, settings({ epochs: 2 }));
    let afterOne: TrainCheckpoint | undefined;
    await train(spec, init, data, settings({ epochs: 1 }), {
      onEpochEnd: (c) => {
        afterOne = c;
      },
    });
    const resumed = await train(spec, init, data, settings({ epochs: 2 }), {}, afterOne);
    for (const [name, v] of straight.weights) expect(resumed.weights.get(name), name).toEqual(v);
  });

  it('gives the same joint-loss gradient of B-AlexNet on wasm (project kernels) as on cpu', async () => {
    registerWasmTrainingKernels();
    const model = bAlexNet();
    const init = initialWeights(model, seededRng(3));
    const xs = new Float32Array(4 * 784).map((_, i) => ((i * 7919) % 1000) / 1000);
    const grads: Map<string, Float32Array>[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const m = modelFromWeights(model, init, true);
      const x = tf.tensor4d(xs, [4, 28, 28, 1]);
      const y = tf.tensor1d([0, 3, 6, 9], 'int32');
      const vars = [...m.weights.values()] as tf.Variable[];
      const { grads: g, value } = tf.variableGrads(
        () => jointLoss(m, x, y, [0.3, 0.4, 0.5, 0.6, 1], seededRng(1), false).loss,
        vars,
      );
      grads.push(
        new Map(
          [...m.weights.keys()].map((name, i) => [
            name,
            g[(vars[i] as tf.Variable).name]?.dataSync() as Float32Array,
          ]),
        ),
      );
      tf.dispose([x, y, value, ...Object.values(g)]);
      disposeModel(m);
    }
    const [cpu, wasm] = grads as [Map<string, Float32Array>, Map<string, Float32Array>];
    for (const [name, c] of cpu) {
      const w = wasm.get(name) as Float32Array;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < c.length; i++) {
        diff = Math.max(diff, Math.abs((c[i] as number) - (w[i] as number)));
        scale = Math.max(scale, Math.abs(c[i] as number));
      }
      expect(diff / scale, name).toBeLessThanOrEqual(1e-5);
    }
  });

  it('refuses exit weights that do not match the exits', async () => {
    await expect(
      train(
        spec,
        initialWeights(spec, seededRng(1)),
        toyData(8, 1),
        settings({ exitWeights: [1] }),
      ),
    ).rejects.toThrow(/2 exits/);
  });

  it('leaves no tensors behind on this thread, resuming included', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const once = await train(
      spec,
      initialWeights(spec, seededRng(1)),
      toyData(64, 1),
      settings({ epochs: 1 }),
    );
    await train(spec, once.weights, toyData(64, 1), settings({ epochs: 2 }), {}, once);
    expect(tf.memory().numTensors).toBe(before);
  });
});
