import { EdgentError } from '../errors';

/**
 * Errors raised by the dataset loaders (the EDGENT_ERR_DATASET_* branch of
 * the package's error tree in ../errors.ts). Every one is a `DatasetError`; its
 * `code` says what went wrong and `file` names the file or folder involved.
 *
 *   EdgentError
 *   └─ DatasetError
 *      ├─ EDGENT_ERR_DATASET_MISSING         folder or file not found
 *      ├─ EDGENT_ERR_DATASET_BAD_OPTION      loader option out of range
 *      ├─ EDGENT_ERR_DATASET_BAD_GZIP        gzip stream cannot be inflated
 *      ├─ EDGENT_ERR_DATASET_BAD_MAGIC       IDX magic number is not 00 00 tt rr
 *      ├─ EDGENT_ERR_DATASET_BAD_DTYPE       IDX dtype code is not one of the six
 *      ├─ EDGENT_ERR_DATASET_TRUNCATED       fewer bytes than the header promises
 *      ├─ EDGENT_ERR_DATASET_TRAILING_BYTES  more bytes than the header promises
 *      ├─ EDGENT_ERR_DATASET_BAD_SHAPE       dtype, rank or dims not what the set needs
 *      ├─ EDGENT_ERR_DATASET_COUNT_MISMATCH  image count differs from label count
 *      └─ EDGENT_ERR_DATASET_BAD_LABEL       label outside 0..classes-1
 */

/** Stable codes carried by {@link DatasetError}. */
export type DatasetErrorCode =
  | 'EDGENT_ERR_DATASET_MISSING'
  | 'EDGENT_ERR_DATASET_BAD_OPTION'
  | 'EDGENT_ERR_DATASET_BAD_GZIP'
  | 'EDGENT_ERR_DATASET_BAD_MAGIC'
  | 'EDGENT_ERR_DATASET_BAD_DTYPE'
  | 'EDGENT_ERR_DATASET_TRUNCATED'
  | 'EDGENT_ERR_DATASET_TRAILING_BYTES'
  | 'EDGENT_ERR_DATASET_BAD_SHAPE'
  | 'EDGENT_ERR_DATASET_COUNT_MISMATCH'
  | 'EDGENT_ERR_DATASET_BAD_LABEL';

/**
 * A dataset file or folder is missing, malformed or inconsistent.
 * The message starts with the file name and says expected vs. received.
 */
export class DatasetError extends EdgentError {
  declare readonly code: DatasetErrorCode;
  /** Path (or name) of the file or folder the error is about. */
  readonly file: string;

  constructor(code: DatasetErrorCode, file: string, detail: string, options?: { cause?: unknown }) {
    super(code, `${file}: ${detail}`, options);
    this.name = 'DatasetError';
    this.file = file;
  }
}
