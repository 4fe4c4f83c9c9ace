import * as tf from '@tensorflow/tfjs-core';

/**
 * The int8 round trip a bottleneck's output takes when it crosses the link
 * (`@edgent/protocol`'s codec: per message, the range [min(min, 0),
 * max(max, 0)] in 255 steps, zero a code), applied to each example of a batch, with the
 * identity as its gradient (straight-through estimator). Training through it
 * teaches the layers after a bottleneck to read its int8 form, so a cut there
 * costs little accuracy.
 *
 * @example const y = fakeInt8(x); // x: [N, H, W, C]; y within (range / 255) / 2 of x
 */
export const fakeInt8: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
  const lo = tf.minimum(tf.min(x, axes, true), 0);
  const hi = tf.maximum(tf.max(x, axes, true), 0);
  // An all-zero example has an empty range: any step recovers it exactly.
  const scale = tf.maximum(tf.div(tf.sub(hi, lo), 255), 1e-30);
  // As the codec: zero is a code (the zero point), values round to multiples of scale.
  const zeroPoint = tf.clipByValue(tf.round(tf.sub(-128, tf.div(lo, scale))), -128, 127);
  const q = tf.clipByValue(tf.add(tf.round(tf.div(x, scale)), zeroPoint), -128, 127);
  const value = tf.mul(tf.sub(q, zeroPoint), scale);
  return { value, gradFunc: (dy: tf.Tensor) => dy };
});
