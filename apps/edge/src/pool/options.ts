import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { EdgeError } from '../errors.js';
import type { LoadedModel } from '../model-folders.js';
import type { BackendChoice } from './messages.js';

/** Options of {@link InferencePool.start}. Only `modelDir`, or `models`, is required. */
export interface PoolOptions {
  /** Folder of the (default) model: `manifest.json` and its weights. */
  modelDir?: string;
  /** Folders of further models the workers also hold; a request names its model by id. */
  moreModelDirs?: readonly string[];
  /**
   * The models already read (`readModelFolders`), the default first, instead of `modelDir` and
   * `moreModelDirs`: the edge reads each folder once and hands the pool what it read.
   */
  models?: readonly LoadedModel[];
  /** Worker threads; default: os.availableParallelism(). */
  workers?: number;
  /** Requests waiting beyond the busy workers before run() rejects with EDGENT_ERR_BUSY; default 256. */
  maxQueue?: number;
  /**
   * Tasks handed to a worker at once; default 2, so the next task is already in the worker when
   * one ends. They still run one after another (tfjs compute is synchronous).
   */
  tasksPerWorker?: number;
  /** 'auto' (tfjs-node when installed, else wasm), 'wasm' or 'cpu'. Default 'auto'. */
  backend?: BackendChoice;
}

/** {@link PoolOptions} checked, with defaults filled in and the folder made absolute. */
export interface ResolvedPoolOptions {
  /** Every model folder, the default first, each once (empty when `models` was given). */
  modelDirs: string[];
  /** The models given already read, if they were. */
  models?: readonly LoadedModel[];
  workers: number;
  maxQueue: number;
  tasksPerWorker: number;
  backend: BackendChoice;
}

const allowedKeys = [
  'modelDir',
  'moreModelDirs',
  'models',
  'workers',
  'maxQueue',
  'tasksPerWorker',
  'backend',
] as const;
const backends: readonly BackendChoice[] = ['auto', 'wasm', 'cpu'];

/**
 * Checks pool options and fills in defaults. Throws an EdgeError EDGENT_ERR_BAD_OPTION naming
 * the option, the value received and what is allowed.
 */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw badOption('options', options, 'an object with at least modelDir or models');
  }
  for (const key of Object.keys(options)) {
    if (!(allowedKeys as readonly string[]).includes(key)) {
      const value = describe((options as unknown as Record<string, unknown>)[key]);
      throw new EdgeError(
        'EDGENT_ERR_BAD_OPTION',
        `unknown pool option ${key} (received ${value}); allowed options: ${allowedKeys.join(', ')}`,
      );
    }
  }
  const {
    modelDir,
    moreModelDirs = [],
    models,
    workers,
    maxQueue,
    tasksPerWorker,
    backend,
  } = options;
  if (models !== undefined) {
    if (!Array.isArray(models) || models.length === 0 || modelDir !== undefined) {
      throw badOption('models', models, 'a non-empty array of models read, without modelDir');
    }
  } else if (typeof modelDir !== 'string' || modelDir.trim() === '') {
    throw badOption('modelDir', modelDir, 'a path to a model folder (a non-empty string)');
  }
  if (!Array.isArray(moreModelDirs) || moreModelDirs.some((d) => typeof d !== 'string' || !d)) {
    throw badOption('moreModelDirs', moreModelDirs, 'an array of model folder paths');
  }
  if (workers !== undefined && !(Number.isSafeInteger(workers) && workers >= 1)) {
    throw badOption('workers', workers, 'an integer >= 1, or omitted for one per core');
  }
  if (maxQueue !== undefined && !(Number.isSafeInteger(maxQueue) && maxQueue >= 0)) {
    throw badOption('maxQueue', maxQueue, 'an integer >= 0, or omitted for 256');
  }
  if (
    tasksPerWorker !== undefined &&
    !(Number.isSafeInteger(tasksPerWorker) && tasksPerWorker >= 1 && tasksPerWorker <= 16)
  ) {
    throw badOption('tasksPerWorker', tasksPerWorker, 'an integer from 1 to 16, or omitted for 2');
  }
  if (backend !== undefined && !backends.includes(backend)) {
    throw badOption('backend', backend, `one of ${backends.map((b) => `'${b}'`).join(', ')}`);
  }
  return {
    modelDirs:
      modelDir === undefined
        ? []
        : [...new Set([modelDir, ...moreModelDirs].map((d) => resolve(d)))],
    ...(models === undefined ? {} : { models }),
    workers: workers ?? availableParallelism(),
    maxQueue: maxQueue ?? 256,
    tasksPerWorker: tasksPerWorker ?? 2,
    backend: backend ?? 'auto',
  };
}

function badOption(name: string, value: unknown, allowed: string): EdgeError {
  return new EdgeError(
    'EDGENT_ERR_BAD_OPTION',
    `pool option ${name} must be ${allowed}; received ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${String(value)} (${typeof value})`;
}
