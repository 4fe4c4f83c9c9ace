import type { LayerSpec, ModelSpec } from '../spec';
import { conv, dense, dropout, pool, relu } from './layers';

const lrn = (name: string): LayerSpec => ({
  kind: 'lrn',
  name,
  radius: 2,
  bias: 2,
  alpha: 1e-4,
  beta: 0.75,
});

/**
 * B-AlexNet for 28x28x1 inputs with 5 exits: AlexNet's five convolutions
 * (narrowed for 28x28 inputs), LRN after the first two, three fully
 * connected layers, and four side branches in the BranchyNet manner.
 */
export function bAlexNet(
  opts: { input?: [number, number, number]; classes?: number; id?: string } = {},
): ModelSpec {
  const classes = opts.classes ?? 10;
  const trunk: LayerSpec[] = [
    conv('conv1', 32, 5),
    relu('relu1'),
    pool('pool1'),
    lrn('lrn1'),
    conv('conv2', 64, 3),
    relu('relu2'),
    pool('pool2'),
    lrn('lrn2'),
    conv('conv3', 96, 3),
    relu('relu3'),
    conv('conv4', 96, 3),
    relu('relu4'),
    conv('conv5', 64, 3),
    relu('relu5'),
    pool('pool5'),
    dense('fc6', 256),
    relu('relu6'),
    dropout('drop6', 0.3),
    dense('fc7', 256),
    relu('relu7'),
    dropout('drop7', 0.3),
    dense('fc8', classes),
  ];
  return {
    id: opts.id ?? 'b-alexnet-fmnist',
    input: opts.input ?? [28, 28, 1],
    classes,
    trunk,
    exits: [
      // Each branch is a linear classifier on the features it reads (pooled,
      // but for exit 2, which reads pool2's 7x7 maps as they are), so an
      // exit's accuracy follows the depth of its features.
      { name: 'exit1', after: 4, branch: [pool('b1_pool'), dense('b1_fc', classes)] },
      { name: 'exit2', after: 8, branch: [dense('b2_fc', classes)] },
      { name: 'exit3', after: 10, branch: [pool('b3_pool'), dense('b3_fc', classes)] },
      { name: 'exit4', after: 12, branch: [pool('b4_pool'), dense('b4_fc', classes)] },
      { name: 'exit5', after: trunk.length, branch: [] },
    ],
  };
}

/**
 * A tiny multi-exit model for tests: seconds to build and run, with every
 * layer kind on some path.
 */
export function tinyMultiExit(
  classes = 3,
  input: [number, number, number] = [12, 12, 1],
): ModelSpec {
  const trunk: LayerSpec[] = [
    { kind: 'conv2d', name: 'c1', filters: 4, kernel: 3, stride: 2, padding: 'same' },
    relu('r1'),
    { kind: 'maxpool', name: 'p1', size: 2, stride: 2, padding: 'valid' },
    lrn('n1'),
    { kind: 'conv2d', name: 'c2', filters: 6, kernel: 3, stride: 1, padding: 'valid' },
    relu('r2'),
    dense('f1', 8),
    dropout('d1', 0.5),
    dense('f2', classes),
  ];
  return {
    id: 'tiny',
    input,
    classes,
    trunk,
    exits: [
      { name: 'early', after: 4, branch: [dense('e1_fc', classes)] },
      { name: 'final', after: trunk.length, branch: [] },
    ],
  };
}
