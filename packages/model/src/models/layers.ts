import type { Conv2dSpec, LayerSpec } from '../spec';

/** Layer constructors the shipped architectures are written with. */

/** A convolution with 'same' padding. */
export const conv = (name: string, filters: number, kernel: number, stride = 1): Conv2dSpec => ({
  kind: 'conv2d',
  name,
  filters,
  kernel,
  stride,
  padding: 'same',
});

/** A 1x1 convolution that narrows the channels at a cut, so the tensor sent there is small. */
export const bottleneck = (name: string, filters: number): Conv2dSpec => ({
  ...conv(name, filters, 1),
  bottleneck: true,
});

export const relu = (name: string): LayerSpec => ({ kind: 'relu', name });

/** AlexNet's overlapping 3x3 max pooling with stride 2. */
export const pool = (name: string): LayerSpec => ({
  kind: 'maxpool',
  name,
  size: 3,
  stride: 2,
  padding: 'same',
});

export const dense = (name: string, units: number): LayerSpec => ({ kind: 'dense', name, units });

export const dropout = (name: string, rate: number): LayerSpec => ({
  kind: 'dropout',
  name,
  rate,
});
