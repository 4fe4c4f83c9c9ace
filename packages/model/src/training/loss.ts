import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random';
import { type MultiExitModel, runAllExits } from '../run';

/**
 * The BranchyNet joint loss: the sum over exits of weight x mean softmax
 * cross-entropy (dropout active unless `training` is false). Returns the scalar loss and, per exit, its loss and its
 * count of correct answers on the batch.
 */
export function jointLoss(
  model: MultiExitModel,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  weights: readonly number[],
  rng: Rng,
  /** Apply dropout; off to compare gradients across backends. */
  training = true,
): { loss: tf.Scalar; exitLoss: tf.Scalar[]; exitCorrect: tf.Scalar[] } {
  const logits = runAllExits(model, x, { training, rng });
  const onehot = tf.oneHot(labels, model.spec.classes);
  const exitLoss = logits.map((l) => tf.losses.softmaxCrossEntropy(onehot, l) as tf.Scalar);
  const exitCorrect = logits.map(
    (l) => tf.sum(tf.cast(tf.equal(tf.argMax(l, 1), labels), 'float32')) as tf.Scalar,
  );
  const loss = tf.addN(exitLoss.map((l, i) => tf.mul(l, weights[i] ?? 1))) as tf.Scalar;
  return { loss, exitLoss, exitCorrect };
}
