import type { LayerSpec, ModelSpec } from '../spec';
import { bottleneck, conv, dense, dropout, pool, relu } from './layers';

/**
 * A five-exit convnet for 64x64x3 camera frames, with two split-friendly
 * bottlenecks (Matsubara et al.): after a cheap head has brought the frame
 * down to 8x8, 1x1 convolutions narrow the features to 8x8x16 (1,024 values)
 * and, deeper, 4x4x32 (512 values). Few positions with many channels carry
 * more of what the classes need than many positions with few (a first
 * version, 16x16x4 and 8x8x8, stalled near 78% on the composed test set).
 * The bottlenecks are linear (no ReLU after them, as in MobileNetV2's linear
 * bottlenecks): an int8 encoding with a zero point covers a signed range as
 * well as a positive one, and narrow channels behind a ReLU can die in
 * training. The bulk of the compute lies behind the bottlenecks, so cutting
 * there sends less than the JPEG frame and leaves most of the work to the edge.
 */
export function bConvNetCamera(opts: { classes?: number; id?: string } = {}): ModelSpec {
  const classes = opts.classes ?? 10;
  const trunk: LayerSpec[] = [
    conv('conv1', 16, 5, 2),
    relu('relu1'),
    pool('pool1'),
    conv('conv1b', 32, 3),
    relu('relu1b'),
    pool('pool1b'),
    bottleneck('neck1', 16),
    conv('conv2', 96, 3),
    relu('relu2'),
    conv('conv3', 128, 3),
    relu('relu3'),
    pool('pool3'),
    bottleneck('neck2', 32),
    conv('conv4', 128, 3),
    relu('relu4'),
    conv('conv5', 192, 3),
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
        after: 12,
        branch: [conv('b2_conv', 64, 3), relu('b2_relu'), pool('b2_pool'), dense('b2_fc', classes)],
      },
      {
        name: 'exit3',
        after: 13,
        branch: [conv('b3_conv', 64, 3), relu('b3_relu'), pool('b3_pool'), dense('b3_fc', classes)],
      },
      { name: 'exit4', after: 18, branch: [dense('b4_fc', classes)] },
      { name: 'exit5', after: trunk.length, branch: [] },
    ],
  };
}
