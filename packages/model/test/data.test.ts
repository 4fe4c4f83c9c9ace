import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  DatasetError,
  type DatasetErrorCode,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  isGzip,
  loadCifar10,
  loadFashionMnist,
  parseCifar10Batch,
  parseIdx,
  readIdxFile,
} from '../src/data/index';
import { EdgentError } from '../src/errors';

const root = mkdtempSync(join(tmpdir(), 'edgent-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
function freshDir(): string {
  const dir = join(root, `d${dirs++}`);
  mkdirSync(dir);
  return dir;
}

/** Builds IDX bytes: magic 00 00 code rank, big-endian dims, then `data` as given. */
function idx(code: number, dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = code;
  header[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  return Buffer.concat([header, data]);
}

/** `n` images of 28x28 where image i has every pixel equal to (i * 51) % 256 and pixel 0 = 255. */
function fashionImages(n: number, side = 28): Uint8Array {
  const data = new Uint8Array(n * side * side);
  for (let i = 0; i < n; i++) {
    data.fill((i * 51) % 256, i * side * side, (i + 1) * side * side);
    data[i * side * side] = 255;
  }
  return idx(0x08, [n, side, side], data);
}

function fashionLabels(labels: number[]): Uint8Array {
  return idx(0x08, [labels.length], Uint8Array.from(labels));
}

function expectDatasetError(
  fn: () => unknown,
  code: DatasetErrorCode,
  ...fragments: string[]
): DatasetError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DatasetError);
  expect(caught).toBeInstanceOf(EdgentError);
  const err = caught as DatasetError;
  expect(err.name).toBe('DatasetError');
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}

describe('parseIdx', () => {
  it('decodes uint8 rank-3 data with big-endian dims', () => {
    const bytes = idx(
      0x08,
      [2, 3, 256],
      new Uint8Array(2 * 3 * 256).map((_, i) => i % 251),
    );
    const out = parseIdx(bytes, 'x');
    expect(out.dtype).toBe('uint8');
    expect(out.shape).toEqual([2, 3, 256]);
    expect(out.data).toBeInstanceOf(Uint8Array);
    expect(out.data[1535]).toBe(1535 % 251);
  });

  it('decodes big-endian int16, int32, float32 and float64', () => {
    type Setter = 'setInt16' | 'setInt32' | 'setFloat32' | 'setFloat64';
    /** Big-endian bytes of `values`, written with DataView's `setter`. */
    const be = (setter: Setter, size: number, values: number[]) => {
      const b = new Uint8Array(size * values.length);
      const v = new DataView(b.buffer);
      values.forEach((x, i) => {
        v[setter](size * i, x, false);
      });
      return b;
    };
    const i16 = parseIdx(idx(0x0b, [2], be('setInt16', 2, [-2, 300])));
    expect(i16.dtype).toBe('int16');
    expect(Array.from(i16.data)).toEqual([-2, 300]);
    const i32 = parseIdx(idx(0x0c, [2], be('setInt32', 4, [-70000, 123456789])));
    expect(Array.from(i32.data)).toEqual([-70000, 123456789]);
    const f32 = parseIdx(idx(0x0d, [1, 2], be('setFloat32', 4, [1.5, -0.25])));
    expect(f32.dtype).toBe('float32');
    expect(f32.shape).toEqual([1, 2]);
    expect(Array.from(f32.data)).toEqual([1.5, -0.25]);
    const f64 = parseIdx(idx(0x0e, [1], be('setFloat64', 8, [Math.PI])));
    expect(f64.data[0]).toBe(Math.PI);
    const i8 = parseIdx(idx(0x09, [2], Uint8Array.from([0xff, 0x7f])));
    expect(Array.from(i8.data)).toEqual([-1, 127]);
  });

  it('detects and inflates gzip by its 1f 8b magic', () => {
    const plain = fashionLabels([3, 1, 4, 1, 5]);
    const gz = gzipSync(plain);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(plain)).toBe(false);
    expect(Array.from(parseIdx(gz).data)).toEqual([3, 1, 4, 1, 5]);
  });

  it('rejects a bad magic number, naming the file and the bytes seen', () => {
    const bytes = fashionLabels([1, 2]);
    bytes[0] = 0x12;
    expectDatasetError(
      () => parseIdx(bytes, 'labels.idx'),
      'EDGENT_ERR_DATASET_BAD_MAGIC',
      'labels.idx',
      'bad magic',
      '0x12',
    );
  });

  it('rejects an unsupported dtype code and lists the valid ones', () => {
    const bytes = idx(0x0a, [1], new Uint8Array(1));
    expectDatasetError(
      () => parseIdx(bytes, 'f'),
      'EDGENT_ERR_DATASET_BAD_DTYPE',
      'f: unsupported dtype code 0x0a',
      '0x08 (uint8)',
    );
  });

  it('reports truncated data as expected vs. received byte counts', () => {
    const full = fashionImages(2);
    const cut = full.subarray(0, full.length - 10);
    expectDatasetError(
      () => parseIdx(cut, 'imgs'),
      'EDGENT_ERR_DATASET_TRUNCATED',
      'imgs',
      `expected ${2 * 28 * 28} bytes of data`,
      `got ${2 * 28 * 28 - 10}`,
    );
  });

  it('reports a truncated header and a too-short file', () => {
    const header = idx(0x08, [5, 28, 28], new Uint8Array(0)).subarray(0, 9);
    expectDatasetError(
      () => parseIdx(header, 'h'),
      'EDGENT_ERR_DATASET_TRUNCATED',
      'expected a 16-byte header for rank 3, got 9 bytes',
    );
    expectDatasetError(
      () => parseIdx(new Uint8Array(2), 'tiny'),
      'EDGENT_ERR_DATASET_TRUNCATED',
      'got 2 bytes',
    );
  });

  it('reports bytes past the end of the data', () => {
    const extra = Buffer.concat([fashionLabels([1, 2]), Buffer.from([0, 0, 0])]);
    expectDatasetError(
      () => parseIdx(extra, 'l'),
      'EDGENT_ERR_DATASET_TRAILING_BYTES',
      'expected 2 bytes of data',
      'got 5: 3 extra',
    );
  });

  it('reports a gzip stream cut short', () => {
    const gz = gzipSync(fashionImages(3));
    expectDatasetError(
      () => parseIdx(gz.subarray(0, gz.length - 20), 'cut.gz'),
      'EDGENT_ERR_DATASET_BAD_GZIP',
      'cut.gz',
    );
  });

  it('readIdxFile gives the same result for gz and plain files and names a missing one', () => {
    const dir = freshDir();
    const plain = fashionLabels([9, 0, 7]);
    writeFileSync(join(dir, 'a'), plain);
    writeFileSync(join(dir, 'a.gz'), gzipSync(plain));
    expect(readIdxFile(join(dir, 'a.gz'))).toEqual(readIdxFile(join(dir, 'a')));
    expectDatasetError(
      () => readIdxFile(join(dir, 'nope')),
      'EDGENT_ERR_DATASET_MISSING',
      join(dir, 'nope'),
    );
  });
});

describe('loadFashionMnist', () => {
  function writeSplit(
    dir: string,
    prefix: string,
    images: Uint8Array,
    labels: Uint8Array,
    gz: { images: boolean; labels: boolean },
  ) {
    writeFileSync(
      join(dir, `${prefix}-images-idx3-ubyte${gz.images ? '.gz' : ''}`),
      gz.images ? gzipSync(images) : images,
    );
    writeFileSync(
      join(dir, `${prefix}-labels-idx1-ubyte${gz.labels ? '.gz' : ''}`),
      gz.labels ? gzipSync(labels) : labels,
    );
  }

  it('loads gzipped images with plain labels, as raw bytes', () => {
    const dir = freshDir();
    writeSplit(dir, 'train', fashionImages(6), fashionLabels([0, 1, 2, 3, 4, 9]), {
      images: true,
      labels: false,
    });
    const ds = loadFashionMnist({ dir, split: 'train' });
    expect(ds).toMatchObject({ count: 6, height: 28, width: 28, channels: 1 });
    expect(ds.classNames).toBe(FASHION_MNIST_CLASSES);
    expect(ds.images).toBeInstanceOf(Uint8Array);
    expect(ds.images.length).toBe(6 * 784);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 3, 4, 9]);
    expect(ds.images[0]).toBe(255);
    expect(ds.images[1]).toBe(0);
    expect(ds.images[784 + 1]).toBe(51);
    expect(ds.images[5 * 784 + 5]).toBe(255);
  });

  it('reads the t10k files for the test split, plain images and gzipped labels, and applies limit', () => {
    const dir = freshDir();
    writeSplit(dir, 't10k', fashionImages(4), fashionLabels([5, 6, 7, 8]), {
      images: false,
      labels: true,
    });
    const ds = loadFashionMnist({ dir, split: 'test', limit: 2 });
    expect(ds.count).toBe(2);
    expect(ds.images.length).toBe(2 * 784);
    expect(Array.from(ds.labels)).toEqual([5, 6]);
    expect(loadFashionMnist({ dir, split: 'test', limit: 100 }).count).toBe(4);
  });

  it('has the ten class names in label order', () => {
    expect(FASHION_MNIST_CLASSES).toEqual([
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]);
  });

  it('names the missing folder and suggests the Debian package', () => {
    const dir = join(root, 'does-not-exist');
    expectDatasetError(
      () => loadFashionMnist({ dir, split: 'train' }),
      'EDGENT_ERR_DATASET_MISSING',
      dir,
      'apt-get install dataset-fashion-mnist',
    );
  });

  it('names a missing file and suggests the Debian package', () => {
    const dir = freshDir();
    writeSplit(dir, 'train', fashionImages(1), fashionLabels([0]), {
      images: false,
      labels: false,
    });
    const err = expectDatasetError(
      () => loadFashionMnist({ dir, split: 'test' }),
      'EDGENT_ERR_DATASET_MISSING',
      join(dir, 't10k-images-idx3-ubyte'),
      'apt-get install dataset-fashion-mnist',
    );
    expect(err.file).toBe(join(dir, 't10k-images-idx3-ubyte'));
  });

  it('rejects image and label counts that differ', () => {
    const dir = freshDir();
    writeSplit(dir, 'train', fashionImages(3), fashionLabels([0, 1]), {
      images: true,
      labels: true,
    });
    expectDatasetError(
      () => loadFashionMnist({ dir, split: 'train' }),
      'EDGENT_ERR_DATASET_COUNT_MISMATCH',
      'has 3 images',
      'has 2 labels',
    );
  });

  it('rejects a label of 10 or more, naming where it is', () => {
    const dir = freshDir();
    writeSplit(dir, 'train', fashionImages(3), fashionLabels([0, 10, 1]), {
      images: false,
      labels: false,
    });
    expectDatasetError(
      () => loadFashionMnist({ dir, split: 'train' }),
      'EDGENT_ERR_DATASET_BAD_LABEL',
      'label 10 at example 1',
      'labels are 0..9',
    );
  });

  it('rejects images that are not 28x28 uint8', () => {
    const dir = freshDir();
    writeSplit(dir, 'train', fashionImages(2, 27), fashionLabels([0, 1]), {
      images: false,
      labels: false,
    });
    expectDatasetError(
      () => loadFashionMnist({ dir, split: 'train' }),
      'EDGENT_ERR_DATASET_BAD_SHAPE',
      'expected uint8 [N, 28, 28], got uint8 [2, 27, 27]',
    );
  });

  it('rejects a truncated file, naming it', () => {
    const dir = freshDir();
    const images = fashionImages(2);
    writeSplit(dir, 'train', images.subarray(0, images.length - 1), fashionLabels([0, 1]), {
      images: true,
      labels: false,
    });
    expectDatasetError(
      () => loadFashionMnist({ dir, split: 'train' }),
      'EDGENT_ERR_DATASET_TRUNCATED',
      join(dir, 'train-images-idx3-ubyte.gz'),
      `expected ${2 * 784} bytes of data, got ${2 * 784 - 1}`,
    );
  });

  it('rejects bad options, naming the value and what is allowed', () => {
    const dir = freshDir();
    expectDatasetError(
      () => loadFashionMnist({ dir, split: 'val' as 'test' }),
      'EDGENT_ERR_DATASET_BAD_OPTION',
      '"val"',
      "'train', 'test'",
    );
    expectDatasetError(
      () => loadFashionMnist({ dir, split: 'test', limit: -1 }),
      'EDGENT_ERR_DATASET_BAD_OPTION',
      'limit is -1',
    );
    expectDatasetError(
      () => loadFashionMnist({ dir, split: 'test', limit: 1.5 }),
      'EDGENT_ERR_DATASET_BAD_OPTION',
      'limit is 1.5',
    );
  });
});

describe('CIFAR-10', () => {
  /** `labels.length` records; pixel (y, x) of channel c in record r is (r * 40 + c * 80 + y + x) % 256. */
  function batch(labels: number[]): Uint8Array {
    const out = new Uint8Array(labels.length * CIFAR10_RECORD_BYTES);
    labels.forEach((label, r) => {
      const base = r * CIFAR10_RECORD_BYTES;
      out[base] = label;
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < 32; y++) {
          for (let x = 0; x < 32; x++)
            out[base + 1 + c * 1024 + y * 32 + x] = (r * 40 + c * 80 + y + x) % 256;
        }
      }
    });
    return out;
  }

  it('converts R, G, B planes to NHWC floats in [0, 1]', () => {
    const ds = parseCifar10Batch(batch([3, 9]), 'b');
    expect(ds).toMatchObject({ count: 2, height: 32, width: 32, channels: 3 });
    expect(ds.classNames).toBe(CIFAR10_CLASSES);
    expect(Array.from(ds.labels)).toEqual([3, 9]);
    expect(ds.images.length).toBe(2 * 32 * 32 * 3);
    for (const [r, y, x, c] of [
      [0, 0, 0, 0],
      [0, 5, 7, 2],
      [1, 31, 31, 1],
      [1, 2, 30, 0],
    ] as const) {
      const got = ds.images[((r * 32 + y) * 32 + x) * 3 + c];
      expect(got).toBe((r * 40 + c * 80 + y + x) % 256);
    }
  });

  it('loads the five train batches in order, and the test batch', () => {
    const dir = freshDir();
    for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), batch([b, b - 1]));
    writeFileSync(join(dir, 'test_batch.bin'), batch([7, 8, 9]));
    const train = loadCifar10({ dir, split: 'train' });
    expect(train.count).toBe(10);
    expect(Array.from(train.labels)).toEqual([1, 0, 2, 1, 3, 2, 4, 3, 5, 4]);
    // record 2 is the first of batch 2, so its pixels match record 0 of the generator
    expect(train.images.subarray(2 * 3072, 3 * 3072)).toEqual(train.images.subarray(0, 3072));
    const test = loadCifar10({ dir, split: 'test' });
    expect(Array.from(test.labels)).toEqual([7, 8, 9]);
    const limited = loadCifar10({ dir, split: 'train', limit: 3 });
    expect(limited.count).toBe(3);
    expect(limited.images.length).toBe(3 * 3072);
    expect(Array.from(limited.labels)).toEqual([1, 0, 2]);
  });

  it('rejects a file whose size is not a multiple of 3073 bytes', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'test_batch.bin'), batch([1, 2]).subarray(0, 2 * 3073 - 100));
    expectDatasetError(
      () => loadCifar10({ dir, split: 'test' }),
      'EDGENT_ERR_DATASET_TRUNCATED',
      join(dir, 'test_batch.bin'),
      `size ${2 * 3073 - 100} bytes is not a positive multiple of 3073`,
    );
    expectDatasetError(
      () => parseCifar10Batch(new Uint8Array(0), 'empty'),
      'EDGENT_ERR_DATASET_TRUNCATED',
      'empty: size 0 bytes',
    );
  });

  it('rejects a label of 10 or more', () => {
    expectDatasetError(
      () => parseCifar10Batch(batch([0, 1, 12]), 'b'),
      'EDGENT_ERR_DATASET_BAD_LABEL',
      'label 12 at record 2',
    );
  });

  it('names a missing batch file and a missing folder', () => {
    const dir = freshDir();
    for (const b of [1, 2, 4, 5]) writeFileSync(join(dir, `data_batch_${b}.bin`), batch([0]));
    expectDatasetError(
      () => loadCifar10({ dir, split: 'train', limit: 1 }),
      'EDGENT_ERR_DATASET_MISSING',
      join(dir, 'data_batch_3.bin'),
    );
    const gone = join(root, 'no-cifar');
    expectDatasetError(
      () => loadCifar10({ dir: gone, split: 'test' }),
      'EDGENT_ERR_DATASET_MISSING',
      gone,
      'folder not found',
    );
  });
});

const realDir = FASHION_MNIST_DIR;
describe('real Fashion-MNIST', () => {
  it('test split has 10000 images, 1000 of each class', (ctx) => {
    if (!existsSync(realDir)) {
      ctx.skip(
        `${realDir} is absent; run apt-get install dataset-fashion-mnist to enable this test`,
      );
    }
    const ds = loadFashionMnist({ split: 'test' });
    expect(ds.count).toBe(10000);
    expect(ds.images.length).toBe(10000 * 784);
    const histogram = new Array<number>(10).fill(0);
    for (const label of ds.labels) histogram[label] = (histogram[label] ?? 0) + 1;
    expect(histogram).toEqual(new Array<number>(10).fill(1000));
    let max = 0;
    for (const v of ds.images) if (v > max) max = v;
    expect(max).toBe(255);
  });
});
