import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bAlexNet,
  bConvNetCamera,
  describePath,
  disposeModel,
  initialWeights,
  type MultiExitModel,
  modelFromWeights,
  type NodeBackend,
  runSlice,
  seededRng,
  tf,
  tinyMultiExit,
  useBackend,
} from '../src/node';

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i] as number));
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return diff / Math.max(scale, 1e-12);
}

describe.each<NodeBackend>(['cpu', 'wasm'])('slices on %s', (backend) => {
  const models: MultiExitModel[] = [];
  beforeAll(async () => {
    await useBackend(backend);
    for (const spec of [tinyMultiExit(), bAlexNet(), bConvNetCamera()])
      models.push(modelFromWeights(spec, initialWeights(spec, seededRng(7))));
  });
  afterAll(() => models.forEach(disposeModel));

  it('tail(head(x)) equals the whole path for every exit and partition, leaking nothing', () => {
    for (const model of models) {
      const x = tf.randomUniform([2, ...model.spec.input], 0, 1, 'float32', 3);
      for (let e = 0; e < model.spec.exits.length; e++) {
        const n = describePath(model.spec, e).layers.length;
        const full = runSlice(model, e, 0, n, x);
        const want = full.dataSync() as Float32Array;
        for (let p = 0; p <= n; p++) {
          const before = tf.memory().numTensors;
          const head = runSlice(model, e, 0, p, x);
          const tail = runSlice(model, e, p, n, head);
          const got = tail.dataSync() as Float32Array;
          tf.dispose([head, tail]);
          expect(tf.memory().numTensors, `${model.spec.id} exit ${e} p ${p} leaked`).toBe(before);
          expect(maxRelDiff(got, want), `${model.spec.id} exit ${e} p ${p}`).toBeLessThanOrEqual(
            1e-4,
          );
        }
        full.dispose();
      }
      x.dispose();
    }
  });

  it('gives the edge the same logits from received bytes as the device-only path', () => {
    const model = models[1] as MultiExitModel;
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 5);
    for (let e = 0; e < model.spec.exits.length; e++) {
      const n = describePath(model.spec, e).layers.length;
      const deviceOnly = runSlice(model, e, 0, n, x);
      const p = Math.floor(n / 2);
      const head = runSlice(model, e, 0, p, x);
      // What crosses the link: raw float32 bytes and the shape.
      const bytes = new Uint8Array((head.dataSync() as Float32Array).slice().buffer);
      const received = tf.tensor(new Float32Array(bytes.buffer), head.shape);
      const edge = runSlice(model, e, p, n, received);
      expect(
        maxRelDiff(edge.dataSync() as Float32Array, deviceOnly.dataSync() as Float32Array),
      ).toBeLessThanOrEqual(1e-4);
      tf.dispose([deviceOnly, head, received, edge]);
    }
    x.dispose();
  });

  it('hands back a tensor the caller owns even when the slice changes nothing (dropout, empty)', () => {
    const model = models[1] as MultiExitModel;
    const drop = describePath(model.spec, 4).layers.findIndex((l) => l.kind === 'dropout');
    const input = tf.ones([1, 28, 28, 1]);
    const x = runSlice(model, 4, 0, drop, input);
    input.dispose();
    for (const [from, to] of [
      [drop, drop + 1],
      [drop, drop],
    ]) {
      const y = runSlice(model, 4, from as number, to as number, x);
      expect(y).not.toBe(x);
      y.dispose();
      expect(x.isDisposed).toBe(false);
    }
    x.dispose();
  });

  it('rejects bad exits, partitions and shapes with typed errors', () => {
    const model = models[0] as MultiExitModel;
    const x = tf.zeros([1, 12, 12, 1]);
    expect(() => runSlice(model, 5, 0, 1, x)).toThrow(
      expect.objectContaining({ code: 'EDGENT_ERR_BAD_EXIT' }),
    );
    expect(() => runSlice(model, 0, 0, 9, x)).toThrow(
      expect.objectContaining({
        code: 'EDGENT_ERR_BAD_PARTITION',
        message: 'slice [0, 9) out of range for exit 0, which has partitions 0..5',
      }),
    );
    expect(() => runSlice(model, 0, 1, 2, x)).toThrow(
      expect.objectContaining({ code: 'EDGENT_ERR_BAD_INPUT_SHAPE' }),
    );
    x.dispose();
  });
});
