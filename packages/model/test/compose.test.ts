import { beforeAll, describe, expect, it } from 'vitest';
import {
  bConvNetCamera,
  composedDataset,
  composeFrame,
  decodeJpeg,
  describeModel,
  encodeJpeg,
  frameSeed,
  gatherBatch,
  sceneBank,
  TEST_COMPOSITION,
  TRAIN_COMPOSITION,
  tf,
  useBackend,
  validateSpec,
} from '../src/node';

beforeAll(async () => {
  await useBackend('cpu');
});

/** A 28x28 grey item: a bright filled square in the middle. */
const item = Uint8Array.from({ length: 784 }, (_, i) => {
  const [x, y] = [i % 28, Math.floor(i / 28)];
  return x >= 8 && x < 20 && y >= 6 && y < 22 ? 220 : 0;
});

const differing = (a: Uint8Array, b: Uint8Array) => a.filter((v, i) => v !== b[i]).length;

describe('composed camera frames', () => {
  it('are a pure function of item, composition and seed', () => {
    const a = composeFrame(item, TEST_COMPOSITION, frameSeed(TEST_COMPOSITION, 3));
    const b = composeFrame(item, TEST_COMPOSITION, frameSeed(TEST_COMPOSITION, 3));
    expect(a.length).toBe(64 * 64 * 3);
    expect(differing(a, b)).toBe(0);
    const other = composeFrame(item, TEST_COMPOSITION, frameSeed(TEST_COMPOSITION, 4));
    expect(differing(a, other)).toBeGreaterThan(a.length / 2);
  });

  it('vary a training frame between epochs, and never a test frame', () => {
    expect(frameSeed(TRAIN_COMPOSITION, 7, 1)).not.toBe(frameSeed(TRAIN_COMPOSITION, 7, 2));
    expect(frameSeed(TEST_COMPOSITION, 7)).toBe(frameSeed(TEST_COMPOSITION, 7, 0));
  });

  it('put test frames on scenes that training never sees', () => {
    const train = sceneBank(TRAIN_COMPOSITION);
    const test = sceneBank(TEST_COMPOSITION);
    expect(train).toHaveLength(TRAIN_COMPOSITION.scenes);
    expect(test).toHaveLength(TEST_COMPOSITION.scenes);
    const key = (s: Float32Array) => Array.from(s.subarray(0, 64)).join(',');
    const seen = new Set(train.map(key));
    expect(test.filter((s) => seen.has(key(s)))).toEqual([]);
    expect(TEST_COMPOSITION.seed).not.toBe(TRAIN_COMPOSITION.seed);
  });

  it('place the item so that it shows: the frame differs where the item is', () => {
    const blank = new Uint8Array(784);
    const seed = frameSeed(TEST_COMPOSITION, 11);
    const withItem = composeFrame(item, TEST_COMPOSITION, seed);
    const without = composeFrame(blank, TEST_COMPOSITION, seed);
    // The same scene, light and noise; only the item's pixels (and JPEG around them) differ.
    expect(differing(withItem, without)).toBeGreaterThan(64 * 64 * 0.1);
  });

  it('make a data set that gathers 64x64x3 batches with the labels, the same each time', () => {
    const source = {
      images: Uint8Array.from({ length: 2 * 784 }, (_, i) => item[i % 784] as number),
      labels: Uint8Array.from([3, 8]),
      count: 2,
      height: 28,
      width: 28,
      channels: 1,
      classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
    };
    const data = composedDataset(source, TEST_COMPOSITION);
    expect([data.height, data.width, data.channels]).toEqual([64, 64, 3]);
    const first = gatherBatch(data, [0, 1]);
    const again = gatherBatch(data, [0, 1]);
    expect(first.x.shape).toEqual([2, 64, 64, 3]);
    expect(Array.from(first.y.dataSync())).toEqual([3, 8]);
    expect(Array.from(first.x.dataSync())).toEqual(Array.from(again.x.dataSync()));
    const varied = gatherBatch(data, [0, 1], 5);
    expect(Array.from(varied.x.dataSync())).not.toEqual(Array.from(first.x.dataSync()));
    tf.dispose([first.x, first.y, again.x, again.y, varied.x, varied.y]);
    expect(() => composedDataset(data, TEST_COMPOSITION)).toThrow(/28x28x1 items/);
  });
});

describe('JPEG', () => {
  it('round-trips a frame within JPEG error, and refuses one of another size before decoding', () => {
    const frame = composeFrame(item, TEST_COMPOSITION, 1);
    const bytes = encodeJpeg(frame, 64, 64, 90);
    expect(bytes.length).toBeLessThan(frame.length / 2);
    const back = decodeJpeg(bytes, { width: 64, height: 64 }).rgb;
    let err = 0;
    for (let i = 0; i < frame.length; i++)
      err += Math.abs((frame[i] as number) - (back[i] as number));
    expect(err / frame.length).toBeLessThan(8);
    expect(() => decodeJpeg(bytes, { width: 32, height: 32 })).toThrow();
  });
});

describe('the camera model', () => {
  it('is well formed, with bottlenecks recorded as such and much smaller than the frame', () => {
    const spec = bConvNetCamera();
    validateSpec(spec);
    expect(spec.input).toEqual([64, 64, 3]);
    expect(spec.exits).toHaveLength(5);
    const deepest = describeModel(spec).at(-1);
    const necks = deepest?.layers.filter((l) => l.bottleneck) ?? [];
    expect(necks.map((l) => l.name)).toEqual(['neck1', 'neck2']);
    for (const n of necks) expect(n.outputBytes / 4).toBeLessThanOrEqual(1024);
  });
});
