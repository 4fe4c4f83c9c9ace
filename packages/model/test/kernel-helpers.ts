import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { type NodeBackend, seededRng, tf, useBackend } from '../src/node';

/** A tensor's shape and values, backend-free. */
export interface Input {
  shape: readonly number[];
  values: Float32Array;
}

/** Runs one kernel through the engine on `backend`; returns its output values. */
export async function runKernelOn(
  backend: NodeBackend,
  kernelName: string,
  inputs: Record<string, Input>,
  attrs: object,
): Promise<{ shape: number[]; values: Float32Array }> {
  await useBackend(backend);
  return tf.tidy(() => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, input] of Object.entries(inputs)) {
      tensors[name] = tf.tensor(input.values, [...input.shape]);
    }
    const out = tf.engine().runKernel(kernelName, tensors, attrs as NamedAttrMap) as tf.Tensor;
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
}

/** `size` seeded uniform values in [-1, 1). */
export function randomValues(size: number, seed: number): Float32Array {
  const rng = seededRng(seed);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng() * 2 - 1;
  return values;
}

/** Number of elements of a shape. */
export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
