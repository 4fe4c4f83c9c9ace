/**
 * The one base class of Edgent's coded errors. Each package derives its own
 * (ProtocolError, EdgeError, DeviceError, PlannerError, the model's
 * EdgentError subclasses) and keeps its own codes; what crosses the wire is
 * listed once, in `@edgent/protocol`'s registry (`WIRE_CODES`).
 */

/** An error with a stable `EDGENT_ERR_*` code a caller, client or test can match on. */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodedError';
    this.code = code;
  }
}

/** The `EDGENT_ERR_*` code `e` carries (a coded error of any package, or JSON with one), if any. */
export function edgentCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^EDGENT_ERR_[A-Z0-9_]+$/.test(code) ? code : undefined;
}
