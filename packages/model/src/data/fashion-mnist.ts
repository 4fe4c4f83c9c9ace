import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_CLASSES } from '../classes';
import { checkLabels, checkOptions, type Dataset, type LoadOptions, requireDir } from './dataset';
import { DatasetError } from './errors';
import { type IdxArray, readIdxFile } from './idx';

/** Where the Debian package `dataset-fashion-mnist` puts the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export { FASHION_MNIST_CLASSES };

const SIDE = 28;
const INSTALL_HINT =
  '; install it with `apt-get install dataset-fashion-mnist` or pass the folder as `dir`';
const PREFIX = { train: 'train', test: 't10k' } as const;

/** Options for {@link loadFashionMnist}; `dir` defaults to {@link FASHION_MNIST_DIR}. */
export type FashionMnistOptions = LoadOptions;

/**
 * Loads one split of Fashion-MNIST from its IDX files (each may be gzipped
 * or plain), as 28x28x1 images of raw bytes (0..255).
 *
 * @example const test = loadFashionMnist({ split: 'test', limit: 1000 });
 */
export function loadFashionMnist(options: FashionMnistOptions): Dataset {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  checkOptions(options, dir);
  requireDir(dir, `; expected the Fashion-MNIST IDX files there${INSTALL_HINT}`);
  const prefix = PREFIX[options.split];
  const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  checkShape(images, [undefined, SIDE, SIDE], imagesPath);
  checkShape(labels, [undefined], labelsPath);
  const [imageCount = 0] = images.shape;
  const [labelCount = 0] = labels.shape;
  if (imageCount !== labelCount) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_COUNT_MISMATCH',
      imagesPath,
      `has ${imageCount} images but ${labelsPath} has ${labelCount} labels; expected equal counts`,
    );
  }
  const count = Math.min(imageCount, options.limit ?? imageCount);
  const labelData = (labels.data as Uint8Array).slice(0, count);
  checkLabels(labelData, FASHION_MNIST_CLASSES.length, labelsPath);
  const out = (images.data as Uint8Array).slice(0, count * SIDE * SIDE);
  return {
    images: out,
    labels: labelData,
    count,
    height: SIDE,
    width: SIDE,
    channels: 1,
    classNames: FASHION_MNIST_CLASSES,
  };
}

/** Returns `dir/name` or `dir/name.gz`, whichever exists (plain first). */
function findFile(dir: string, name: string): string {
  for (const candidate of [name, `${name}.gz`]) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  throw new DatasetError(
    'EDGENT_ERR_DATASET_MISSING',
    join(dir, name),
    `file not found (nor ${name}.gz)${INSTALL_HINT}`,
  );
}

/** Checks dtype uint8 and the dims; `undefined` in `dims` accepts any size. */
function checkShape(idx: IdxArray, dims: (number | undefined)[], file: string): void {
  const ok =
    idx.dtype === 'uint8' &&
    idx.shape.length === dims.length &&
    dims.every((d, i) => d === undefined || d === idx.shape[i]);
  if (!ok) {
    const want = dims.map((d) => d ?? 'N').join(', ');
    throw new DatasetError(
      'EDGENT_ERR_DATASET_BAD_SHAPE',
      file,
      `expected uint8 [${want}], got ${idx.dtype} [${idx.shape.join(', ')}]`,
    );
  }
}
