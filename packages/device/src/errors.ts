import { CodedError } from '@edgent/errors';

/**
 * Errors of the device side. Each carries a stable `code`; codes the edge
 * sends (in error frames and helloRefused) are passed through as they are.
 *
 *   DeviceError
 *   ├── EDGENT_ERR_CLOSED            the session with the edge closed
 *   ├── EDGENT_ERR_TIMEOUT           no answer in time
 *   ├── EDGENT_ERR_UNEXPECTED_MESSAGE the edge answered with the wrong message type
 *   ├── EDGENT_ERR_BAD_IMAGE         an input that is not a 28x28 (or given-size) image
 *   ├── EDGENT_ERR_BAD_OPTION        an option out of range (e.g. logStates)
 *   ├── EDGENT_ERR_BAD_PROFILE       the edge's latency profile does not parse
 *   ├── EDGENT_ERR_HTTP              an HTTP route answered with an error and no code
 *   ├── EDGENT_ERR_NO_MODEL          the session was used before a model was loaded
 *   └── any edge code                e.g. EDGENT_ERR_MODEL_MISMATCH, EDGENT_ERR_BAD_PARTITION
 */

/** A device-side error with a stable code. */
export class DeviceError extends CodedError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'DeviceError';
  }
}
