import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors';

/** Element types an IDX file can hold. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** Typed array matching an {@link IdxDtype}. */
export type IdxData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A decoded IDX file: its element type, dims and values in row-major order. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

const DTYPES: ReadonlyMap<number, { dtype: IdxDtype; bytes: number }> = new Map([
  [0x08, { dtype: 'uint8', bytes: 1 }],
  [0x09, { dtype: 'int8', bytes: 1 }],
  [0x0b, { dtype: 'int16', bytes: 2 }],
  [0x0c, { dtype: 'int32', bytes: 4 }],
  [0x0d, { dtype: 'float32', bytes: 4 }],
  [0x0e, { dtype: 'float64', bytes: 8 }],
]);

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** True when `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates `bytes` if they are gzipped, else returns them unchanged.
 * `name` is used in the error if the gzip stream is corrupt or cut short.
 */
function maybeGunzip(bytes: Uint8Array, name: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new DatasetError(
      'EDGENT_ERR_DATASET_BAD_GZIP',
      name,
      `gzip data cannot be inflated (${why})`,
      { cause },
    );
  }
}

/**
 * Decodes an IDX file (the MNIST format), gzipped or not. Pure: no I/O.
 * A uint8 result's `data` is a view into the (inflated) input bytes.
 *
 * @param name used in error messages, usually the file path.
 * @example parseIdx(bytes, 'train-labels-idx1-ubyte').shape // [60000]
 */
export function parseIdx(input: Uint8Array, name = '<idx>'): IdxArray {
  const bytes = maybeGunzip(input, name);
  if (bytes.length < 4) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_TRUNCATED',
      name,
      `truncated: expected a 4-byte IDX magic number, got ${bytes.length} bytes`,
    );
  }
  const [b0, b1, code, rank] = [bytes[0] ?? 0, bytes[1] ?? 0, bytes[2] ?? 0, bytes[3] ?? 0];
  if (b0 !== 0 || b1 !== 0) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_BAD_MAGIC',
      name,
      `bad magic: expected IDX magic 00 00 <dtype> <rank>, got ${[b0, b1, code, rank].map(hex).join(' ')}`,
    );
  }
  const type = DTYPES.get(code);
  if (type === undefined) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_BAD_DTYPE',
      name,
      `unsupported dtype code ${hex(code)}; valid codes are ${[...DTYPES].map(([c, t]) => `${hex(c)} (${t.dtype})`).join(', ')}`,
    );
  }
  if (rank === 0) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_BAD_MAGIC',
      name,
      'bad magic: rank is 0; IDX files need at least one dimension',
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_TRUNCATED',
      name,
      `truncated: expected a ${headerBytes}-byte header for rank ${rank}, got ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const dim = view.getUint32(4 + 4 * i, false);
    shape.push(dim);
    count *= dim;
  }
  const expected = count * type.bytes;
  const got = bytes.length - headerBytes;
  if (got < expected) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_TRUNCATED',
      name,
      `truncated: expected ${expected} bytes of data, got ${got} (header says ${type.dtype} [${shape.join(', ')}])`,
    );
  }
  if (got > expected) {
    throw new DatasetError(
      'EDGENT_ERR_DATASET_TRAILING_BYTES',
      name,
      `expected ${expected} bytes of data, got ${got}: ${got - expected} extra (header says ${type.dtype} [${shape.join(', ')}])`,
    );
  }
  return { dtype: type.dtype, shape, data: decode(type.dtype, bytes, headerBytes, count) };
}

function decode(dtype: IdxDtype, bytes: Uint8Array, offset: number, count: number): IdxData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(offset, offset + count);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Reads and decodes the IDX file at `path` (gzipped or plain).
 * A missing file raises `EDGENT_ERR_DATASET_MISSING`.
 */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readDatasetFile(path), path);
}

/** Reads a whole file, turning "not found" into a {@link DatasetError}. */
export function readDatasetFile(path: string, hint = ''): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DatasetError('EDGENT_ERR_DATASET_MISSING', path, `file not found${hint}`, {
        cause,
      });
    }
    throw cause;
  }
}
