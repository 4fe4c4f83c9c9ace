import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkOptions,
  type Dataset,
  type DatasetSplit,
  type LoadOptions,
  requireDir,
} from './dataset';
import { DatasetError } from './errors';
import { readDatasetFile } from './idx';

/** CIFAR-10 class names, indexed by label. */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
]);

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
/** Bytes per CIFAR-10 binary record: 1 label byte, then R, G and B planes of 32x32. */
export const CIFAR10_RECORD_BYTES = 1 + PIXELS;

const FILES: Record<DatasetSplit, readonly string[]> = {
  train: [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
  ],
  test: ['test_batch.bin'],
};
const HINT = '; expected the CIFAR-10 binary version (the cifar-10-batches-bin folder)';

/** Options for {@link loadCifar10}; `dir` is the folder holding the `.bin` batches. */
export interface Cifar10Options extends LoadOptions {
  dir: string;
}

/**
 * Decodes one CIFAR-10 binary batch into NHWC images of raw bytes (0..255). Pure.
 *
 * @param name used in error messages, usually the file path.
 * @param limit decode only the first `limit` records.
 */
export function parseCifar10Batch(bytes: Uint8Array, name = '<cifar10>', limit?: number): Dataset {
  const records = checkBatchSize(bytes.length, name);
  const count = Math.min(records, limit ?? records);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  decodeRecords(bytes, name, count, images, labels, 0);
  return {
    images,
    labels,
    count,
    height: SIDE,
    width: SIDE,
    channels: 3,
    classNames: CIFAR10_CLASSES,
  };
}

/**
 * Loads one split of CIFAR-10 from its binary batches: `data_batch_1.bin` to
 * `data_batch_5.bin` for train, `test_batch.bin` for test.
 *
 * @example const test = loadCifar10({ dir: 'cifar-10-batches-bin', split: 'test' });
 */
export function loadCifar10(options: Cifar10Options): Dataset {
  const { dir } = options;
  checkOptions(options, dir);
  requireDir(dir, HINT);
  const files = FILES[options.split].map((file) => {
    const path = join(dir, file);
    return { path, records: checkBatchSize(fileSize(path), path) };
  });
  const total = files.reduce((sum, f) => sum + f.records, 0);
  const count = Math.min(total, options.limit ?? total);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let done = 0;
  for (const { path, records } of files) {
    if (done === count) break;
    const n = Math.min(records, count - done);
    const bytes = readDatasetFile(path, HINT);
    checkBatchSize(bytes.length, path);
    decodeRecords(bytes, path, n, images, labels, done);
    done += n;
  }
  return {
    images,
    labels,
    count,
    height: SIDE,
    width: SIDE,
    channels: 3,
    classNames: CIFAR10_CLASSES,
  };
}

function checkBatchSize(size: number, name: string): number {
  const extra = size % CIFAR10_RECORD_BYTES;
  if (size === 0 || extra !== 0) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_TRUNCATED',
      name,
      `size ${size} bytes is not a positive multiple of ${CIFAR10_RECORD_BYTES} ` +
        `(1 label byte + ${PIXELS} pixel bytes per record); the last record has ${extra} bytes`,
    );
  }
  return size / CIFAR10_RECORD_BYTES;
}

/** Writes `n` records from `bytes` into `images`/`labels` starting at example `at`. */
function decodeRecords(
  bytes: Uint8Array,
  name: string,
  n: number,
  images: Uint8Array,
  labels: Uint8Array,
  at: number,
): void {
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    const label = bytes[base] ?? 0;
    if (label >= CIFAR10_CLASSES.length) {
      throw new DatasetError(
        'EDGENT_ERR_DATASET_BAD_LABEL',
        name,
        `label ${label} at record ${r} is out of range; labels are 0..${CIFAR10_CLASSES.length - 1}`,
      );
    }
    labels[at + r] = label;
    const out = (at + r) * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) {
        images[out + 3 * p + c] = bytes[base + 1 + c * PLANE + p] ?? 0;
      }
    }
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DatasetError('EDGENT_ERR_DATASET_MISSING', path, `file not found${HINT}`, {
        cause,
      });
    }
    throw cause;
  }
}
