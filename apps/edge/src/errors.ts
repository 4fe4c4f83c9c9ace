/**
 * Errors raised by the edge server. Each carries a stable `code`.
 *
 *   EdgeError                    base class, `code` + message
 *   ├── EDGENT_ERR_BAD_OPTION    buildApp() received an option it cannot use
 *   ├── EDGENT_ERR_NO_MODEL      no manifest.json in the model folder
 *   └── EDGENT_ERR_BAD_MANIFEST  manifest.json is there but is not JSON
 */

/** Stable codes of {@link EdgeError}. */
export type EdgeErrorCode =
  | 'EDGENT_ERR_BAD_OPTION'
  | 'EDGENT_ERR_NO_MODEL'
  | 'EDGENT_ERR_BAD_MANIFEST';

/** An edge server error with a stable code a client or test can match on. */
export class EdgeError extends Error {
  readonly code: EdgeErrorCode;

  constructor(code: EdgeErrorCode, message: string) {
    super(message);
    this.name = 'EdgeError';
    this.code = code;
  }
}
