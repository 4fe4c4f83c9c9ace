import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/index';
import { type MultiExitModel, runAllExits } from '../run';
import type { ExitAccuracy } from '../weights';
import { gatherBatch } from './replica';

/** Accuracy of every exit on all of `data`, in batches, leaving no tensors behind. */
export async function evaluate(
  model: MultiExitModel,
  data: Dataset,
  batchSize = 500,
  onBatch?: (done: number, total: number) => void,
): Promise<ExitAccuracy[]> {
  const correct = new Array<number>(model.spec.exits.length).fill(0);
  for (let from = 0; from < data.count; from += batchSize) {
    const to = Math.min(data.count, from + batchSize);
    const range = Uint32Array.from({ length: to - from }, (_, i) => from + i);
    const counts = tf.tidy(() => {
      const { x, y } = gatherBatch(data, range);
      return tf.stack(
        runAllExits(model, x).map((l) => tf.sum(tf.cast(tf.equal(tf.argMax(l, 1), y), 'int32'))),
      );
    });
    const c = await counts.data();
    counts.dispose();
    c.forEach((v, i) => {
      correct[i] = (correct[i] as number) + v;
    });
    onBatch?.(to, data.count);
  }
  return model.spec.exits.map((e, i) => ({
    exit: i,
    name: e.name,
    correct: correct[i] as number,
    count: data.count,
    accuracy: (correct[i] as number) / data.count,
  }));
}
