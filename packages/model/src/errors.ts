import { CodedError } from '@edgent/errors';

/**
 * Errors of the model package. Every error the package throws on bad input
 * is an EdgentError with a stable `code`:
 *
 *   EdgentError
 *   ├── EDGENT_ERR_BAD_EXIT          exit index outside the model's exits
 *   ├── EDGENT_ERR_BAD_PARTITION     slice bounds outside an exit path
 *   ├── EDGENT_ERR_BAD_INPUT_SHAPE   tensor shape not what the slice takes
 *   ├── EDGENT_ERR_BAD_MANIFEST      manifest not JSON, or not a model manifest
 *   ├── EDGENT_ERR_BAD_WEIGHTS       manifest/weights missing, malformed or mismatched
 *   ├── EDGENT_ERR_HASH_MISMATCH     weights bytes do not match the manifest's hash
 *   ├── EDGENT_ERR_KERNEL_DATA_FORMAT a project kernel asked for a layout it lacks (kernels/)
 *   └── DatasetError: EDGENT_ERR_DATASET_*  dataset files missing, malformed or
 *                                    truncated, or bad loader options (data/errors.ts)
 */
export class EdgentError extends CodedError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'EdgentError';
  }
}
