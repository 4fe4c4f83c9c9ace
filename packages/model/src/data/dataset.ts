import { statSync } from 'node:fs';
import type { CompositionSpec } from './compose';
import { DatasetError } from './errors';

/** Which half of a dataset to load. */
export type DatasetSplit = 'train' | 'test';

/** Labelled images, as every loader in this folder returns them. */
export interface Dataset {
  /**
   * Raw pixels in NHWC order: `count * height * width * channels` bytes,
   * 0..255 (`inputValues` makes them the model's input).
   */
  images: Uint8Array;
  /** One class index per image, each below `classNames.length`. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Human-readable name of each class index. */
  classNames: readonly string[];
  /**
   * When set, `images` holds 28x28x1 source items and each example is a
   * camera-like frame composed from its item on the fly (`composeFrame`);
   * `height`, `width` and `channels` then describe the composed frame.
   */
  composition?: CompositionSpec;
}

/** Options shared by the loaders. */
export interface LoadOptions {
  /** Folder holding the dataset files. */
  dir?: string;
  split: DatasetSplit;
  /** Keep only the first `limit` examples (all when omitted). */
  limit?: number;
}

const SPLITS: readonly DatasetSplit[] = ['train', 'test'];

/** Validates `split` and `limit`, naming the value received. */
export function checkOptions(options: LoadOptions, dir: string): void {
  if (!SPLITS.includes(options.split)) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_BAD_OPTION',
      dir,
      `option split is ${JSON.stringify(options.split)}; valid values are ${SPLITS.map((s) => `'${s}'`).join(', ')}`,
    );
  }
  const { limit } = options;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_BAD_OPTION',
      dir,
      `option limit is ${String(limit)}; it must be an integer >= 0, or omitted for all examples`,
    );
  }
}

/** Throws a MISSING error unless `dir` is an existing folder. */
export function requireDir(dir: string, hint: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DatasetError('EDGENT_ERR_DATASET_MISSING', dir, `folder not found${hint}`, {
        cause,
      });
    }
    throw cause;
  }
  if (!isDir) throw new DatasetError('EDGENT_ERR_DATASET_MISSING', dir, `is not a folder${hint}`);
}

/** Throws BAD_LABEL naming the first label that is not below `classes`. */
export function checkLabels(labels: Uint8Array, classes: number, file: string): void {
  const i = labels.findIndex((label) => label >= classes);
  if (i >= 0) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_BAD_LABEL',
      file,
      `label ${labels[i]} at example ${i} is out of range; labels are 0..${classes - 1}`,
    );
  }
}
