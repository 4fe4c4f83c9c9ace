/**
 * What `edgent eval` says of a model's cuts: the bytes each cut sends in each
 * encoding next to the frame's JPEG size, and how often an int8 encoding at a
 * bottleneck changes the class.
 */
import {
  composeFrame,
  type Dataset,
  describeModel,
  encodeJpeg,
  FRAME_JPEG_QUALITY,
  type FrameBytes,
  frameSeed,
  gatherBatch,
  type ModelSpec,
  type MultiExitModel,
  runAllExits,
  runSlice,
  tf,
} from '@edgent/model/node';
import { decodeTensor, encodeTensor, HEADER_BYTES } from '@edgent/protocol';
import Table from 'cli-table3';

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** JPEG sizes (at the quality devices send) of every frame of a composed data set. */
export function frameBytes(data: Dataset, onBatch?: (done: number) => void): FrameBytes {
  const sizes: number[] = [];
  const { width, height, composition } = data;
  if (!composition) throw new RangeError('frame sizes are measured on a composed data set');
  for (let i = 0; i < data.count; i++) {
    const item = data.images.subarray(i * 784, (i + 1) * 784);
    const rgb = composeFrame(item, composition, frameSeed(composition, i));
    sizes.push(encodeJpeg(rgb, width, height, FRAME_JPEG_QUALITY).length);
    if ((i + 1) % 250 === 0 || i + 1 === data.count) onBatch?.(i + 1);
  }
  sizes.sort((a, b) => a - b);
  return {
    codec: 'jpeg',
    quality: FRAME_JPEG_QUALITY,
    median: quantile(sizes, 0.5),
    p10: quantile(sizes, 0.1),
    p90: quantile(sizes, 0.9),
    count: sizes.length,
  };
}

/** A cut of the deepest path: after trunk layer `index - 1`. */
export interface CutBytes {
  /** Partition of the deepest exit's path: the device runs layers [0, partition). */
  partition: number;
  layer: string;
  bottleneck: boolean;
  shape: readonly number[];
  /** Bytes on the wire with the frame header, per encoding. */
  float32: number;
  float16: number;
  int8: number;
}

/** Bytes sent at every interior cut of the deepest exit's path, with the frame header. */
export function cutBytes(spec: ModelSpec): CutBytes[] {
  const path = describeModel(spec).at(-1);
  if (!path) return [];
  return path.layers.slice(0, -1).map((l) => {
    const elements = l.outputBytes / 4;
    return {
      partition: l.index + 1,
      layer: l.name,
      bottleneck: l.bottleneck,
      shape: l.outputShape,
      float32: 4 * elements + HEADER_BYTES,
      float16: 2 * elements + HEADER_BYTES,
      int8: elements + HEADER_BYTES,
    };
  });
}

/** The cut table: bytes per encoding, and int8 against the median JPEG frame (both with the header). */
export function cutTable(cuts: CutBytes[], frame?: FrameBytes): string {
  const t = new Table({
    head: [
      'cut after',
      'shape',
      'float32 B',
      'float16 B',
      'int8 B',
      ...(frame ? [`int8 / frame at p=0 (${frame.median + HEADER_BYTES} B)`] : []),
    ],
    style: { head: [], border: [] },
  });
  for (const c of cuts) {
    t.push([
      `${c.layer}${c.bottleneck ? ' (bottleneck)' : ''}`,
      c.shape.join('x'),
      c.float32.toLocaleString('en-US'),
      c.float16.toLocaleString('en-US'),
      c.int8.toLocaleString('en-US'),
      ...(frame ? [(c.int8 / (frame.median + HEADER_BYTES)).toFixed(2)] : []),
    ]);
  }
  return t.toString();
}

/** How often int8 at one bottleneck cut keeps each exit's class. */
export interface Int8Agreement {
  layer: string;
  partition: number;
  /** Per exit whose path passes the cut: share of frames whose class int8 kept. */
  exits: { exit: number; name: string; agreement: number; count: number }[];
}

/**
 * For each bottleneck of the trunk: runs the head to it, encodes the tensor
 * as the device sends int8 (per frame, through the protocol's codec), runs
 * every exit's tail on the decoded tensor, and counts frames whose class is
 * that of the float32 path.
 */
export function int8Agreement(
  model: MultiExitModel,
  data: Dataset,
  onBatch?: (done: number) => void,
): Int8Agreement[] {
  const { spec } = model;
  const paths = describeModel(spec);
  const necks = spec.trunk
    .map((l, i) => ({ layer: l, partition: i + 1 }))
    .filter(({ layer }) => layer.kind === 'conv2d' && layer.bottleneck === true);
  const kept = necks.map(({ partition }) =>
    paths.filter((p) => p.branchAt >= partition).map(() => 0),
  );
  for (let from = 0; from < data.count; from += 200) {
    const to = Math.min(data.count, from + 200);
    const indices = Array.from({ length: to - from }, (_, i) => from + i);
    tf.tidy(() => {
      const { x } = gatherBatch(data, indices);
      const reference = runAllExits(model, x).map((l) => l.argMax(1).dataSync());
      necks.forEach(({ partition }, k) => {
        const exits = paths.filter((p) => p.branchAt >= partition);
        const head = runSlice(model, exits[0]?.exit ?? 0, 0, partition, x);
        const values = head.dataSync() as Float32Array;
        const per = values.length / indices.length;
        const shape = [1, ...head.shape.slice(1)];
        const decoded = new Float32Array(values.length);
        for (let i = 0; i < indices.length; i++) {
          const one = values.subarray(i * per, (i + 1) * per);
          decoded.set(decodeTensor(encodeTensor(one, shape, 'int8')), i * per);
        }
        const q = tf.tensor(decoded, head.shape);
        exits.forEach((p, j) => {
          const cls = runSlice(model, p.exit, partition, p.layers.length, q).argMax(1).dataSync();
          const ref = reference[p.exit] as ArrayLike<number>;
          let same = 0;
          for (let i = 0; i < cls.length; i++) if (cls[i] === ref[i]) same++;
          (kept[k] as number[])[j] = ((kept[k] as number[])[j] as number) + same;
        });
      });
    });
    onBatch?.(to);
  }
  return necks.map(({ layer, partition }, k) => ({
    layer: layer.name,
    partition,
    exits: paths
      .filter((p) => p.branchAt >= partition)
      .map((p, j) => ({
        exit: p.exit,
        name: p.name,
        agreement: ((kept[k] as number[])[j] as number) / data.count,
        count: data.count,
      })),
  }));
}

/** One row per bottleneck and exit: the share of frames whose class int8 kept. */
export function int8Table(rows: Int8Agreement[]): string {
  const t = new Table({
    head: ['int8 at', 'exit', 'same class as float32'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    for (const e of r.exits) {
      t.push([r.layer, `${e.exit} ${e.name}`, `${(100 * e.agreement).toFixed(2)}% of ${e.count}`]);
    }
  }
  return t.toString();
}
