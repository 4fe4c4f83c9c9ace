import { decodeTensor, encodeTensor } from '@edgent/protocol';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/backend';
import { fakeInt8 } from '../src/fake-int8';
import { seededRng } from '../src/random';

describe.each(['cpu', 'wasm'] as const)('fakeInt8 on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it("gives each example what the protocol's int8 round trip gives it", () => {
    const rng = seededRng(5);
    const shape = [4, 3, 3, 2];
    const per = 18;
    const values = Float32Array.from({ length: 4 * per }, (_, i) => {
      const example = Math.floor(i / per);
      if (example === 1) return 0; // all zero
      if (example === 2) return 1 + rng() * 3; // all positive
      return (rng() * 2 - 1) * (example + 1) * 5;
    });
    const got = tf.tidy(() => fakeInt8(tf.tensor(values, shape)).dataSync());
    for (let e = 0; e < 4; e++) {
      const slice = values.subarray(e * per, (e + 1) * per);
      const expected = decodeTensor(encodeTensor(slice, [1, 3, 3, 2], 'int8'));
      const step = (Math.max(...slice, 0) - Math.min(...slice, 0)) / 255;
      for (let i = 0; i < per; i++) {
        expect(
          Math.abs((got[e * per + i] as number) - (expected[i] as number)),
        ).toBeLessThanOrEqual(step * 1e-3 + 1e-7);
      }
    }
    // It does change values (it is not the identity).
    expect(got.some((v, i) => v !== values[i])).toBe(true);
  });

  it('passes the gradient straight through', () => {
    const g = tf.tidy(() => {
      const x = tf.tensor([0.1234, -0.5, 2.71, 0.0001], [1, 1, 1, 4]);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fakeInt8(t), tf.tensor([1, 2, 3, 4]))));
      return grad(x).dataSync();
    });
    expect([...g]).toEqual([1, 2, 3, 4]);
  });
});
