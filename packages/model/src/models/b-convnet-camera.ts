import type { LayerSpec, ModelSpec } from '../spec';
import { bottleneck, conv, dense, dropout, pool, relu } from './layers';

/**
 * A five-exit convnet for 64x64x3 camera frames, with two split-friendly
 * bottlenecks (Matsubara et al.): 1x1 convolutions that narrow the features
 * to 8x8x16 (1,024 values) after the head has brought the frame down to 8x8,
 * and again to 8x8x16 after two more convolutions. The deep layers stay at
 * 8x8: earlier versions either narrowed early to 16x16x4 (78% after 11
 * epochs) or ran their last convolutions at 4x4 (68% after 4 epochs, the
 * deeper exits no better than the second), both with a head of 16 and 32
 * filters. The bottlenecks are linear (no ReLU after them, as in MobileNetV2's
 * linear bottlenecks): an int8 encoding with a zero point covers a signed
 * range as well as a positive one, and narrow channels behind a ReLU can die
 * in training. Most of the compute lies behind the first bottleneck, so
 * cutting there sends less than the JPEG frame and leaves most of the work to
 * the edge.
 */
export function bConvNetCamera(opts: { classes?: number; id?: string } = {}): ModelSpec {
  const classes = opts.classes ?? 10;
  const trunk: LayerSpec[] = [
    conv('conv1', 24, 5, 2),
    relu('relu1'),
    pool('pool1'),
    conv('conv1b', 48, 3),
    relu('relu1b'),
    pool('pool1b'),
    bottleneck('neck1', 16),
    conv('conv2', 96, 3),
    relu('relu2'),
    conv('conv3', 128, 3),
    relu('relu3'),
    bottleneck('neck2', 16),
    conv('conv4', 128, 3),
    relu('relu4'),
    conv('conv5', 128, 3),
    relu('relu5'),
    pool('pool5'),
    dense('fc6', 256),
    relu('relu6'),
    dropout('drop6', 0.3),
    dense('fc7', classes),
  ];
  return {
    id: opts.id ?? 'b-convnet-camera',
    input: [64, 64, 3],
    classes,
    trunk,
    exits: [
      {
        name: 'exit1',
        after: 7,
        branch: [conv('b1_conv', 48, 3), relu('b1_relu'), pool('b1_pool'), dense('b1_fc', classes)],
      },
      {
        name: 'exit2',
        after: 9,
        branch: [
          pool('b2_pool'),
          conv('b2_conv', 64, 3),
          relu('b2_relu'),
          pool('b2_pool2'),
          dense('b2_fc', classes),
        ],
      },
      {
        name: 'exit3',
        after: 12,
        branch: [
          conv('b3_conv', 64, 3),
          relu('b3_relu'),
          pool('b3_pool'),
          pool('b3_pool2'),
          dense('b3_fc', classes),
        ],
      },
      { name: 'exit4', after: 17, branch: [dense('b4_fc', classes)] },
      { name: 'exit5', after: trunk.length, branch: [] },
    ],
  };
}
