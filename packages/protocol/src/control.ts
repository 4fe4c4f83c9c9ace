/**
 * Control messages: small JSON objects sent as WebSocket text messages,
 * validated with zod. Each has a `type`:
 *
 *   device -> edge   hello, profileRequest, link
 *   edge -> device   helloOk, helloRefused, profile
 *   either way       error
 *
 * Objects are strict: an unknown key is an error, so a misspelt field is
 * caught where it is sent. Validation messages name the field as
 * `<type>.<path>` with what was expected and what was received.
 */
import { z } from 'zod';
import { ProtocolError, type ProtocolErrorCode } from './errors';
import { err, ok, type Result } from './result';

/** Default for `maxChars` of parseControl: 64 Ki characters. */
export const DEFAULT_MAX_CONTROL_CHARS = 64 * 1024;
/** Largest one-way delay a link setting may ask for, in ms. */
export const MAX_LINK_DELAY_MS = 60_000;

/**
 * What a link setting may ask for: rates of 1 kbit/s to 10 Gbit/s, a delay up
 * to a minute, a trace scaled by 0.001 to 1000. Outside these the emulator
 * would hold a frame for days (or spin on a rate near 0), so they are refused
 * where the message is parsed, with a coded error naming the field.
 */
export const LINK_LIMITS = Object.freeze({
  minRateBps: 1_000,
  maxRateBps: 10_000_000_000,
  maxDelayMs: MAX_LINK_DELAY_MS,
  minScale: 0.001,
  maxScale: 1_000,
});

const modelId = z.string().min(1).max(200);
const modelHash = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, "expected 'sha256:' followed by 64 lowercase hex digits");
const errorCode = z
  .string()
  .regex(/^EDGENT_ERR_[A-Z0-9_]+$/, 'expected a code like EDGENT_ERR_SOMETHING');
const requestId = z.number().int().min(0).max(0xffff_ffff);
const traceName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'expected a trace name (letters, digits, . _ -, up to 64), not a path',
  );

const hello = z.strictObject({
  type: z.literal('hello'),
  modelId,
  modelHash,
  client: z
    .strictObject({
      name: z.string().min(1).max(100),
      version: z.string().max(50).optional(),
      backend: z.string().max(50).optional(),
    })
    .optional(),
});

const helloOk = z.strictObject({
  type: z.literal('helloOk'),
  modelId,
  modelHash,
  protocolVersion: z.number().int().min(1).max(255),
  maxPayloadBytes: z.number().int().positive(),
  /** Most examples one request frame may carry (its shape's first dimension). */
  maxBatch: z.number().int().positive().optional(),
  /** Most requests this connection may have in flight. */
  maxInFlight: z.number().int().positive().optional(),
});

const helloRefused = z.strictObject({
  type: z.literal('helloRefused'),
  code: errorCode,
  message: z.string().max(2000),
});

const profileRequest = z.strictObject({ type: z.literal('profileRequest') });

const profile = z.strictObject({
  type: z.literal('profile'),
  /** The edge's latency profile; its own loader validates the content. */
  profile: z.record(z.string(), z.unknown()),
});

const LINK_MODES = ['off', 'fixed', 'trace'] as const;
type LinkMode = (typeof LINK_MODES)[number];
const LINK_KEYS = ['rateBps', 'delayMs', 'trace', 'scale'] as const;
const LINK_REQUIRED: Record<LinkMode, readonly string[]> = {
  off: [],
  fixed: ['rateBps'],
  trace: ['trace'],
};
const LINK_ALLOWED: Record<LinkMode, readonly string[]> = {
  off: [],
  fixed: ['rateBps', 'delayMs'],
  trace: ['trace', 'scale', 'delayMs'],
};

const link = z
  .strictObject({
    type: z.literal('link'),
    mode: z.enum(LINK_MODES),
    rateBps: z.number().min(LINK_LIMITS.minRateBps).max(LINK_LIMITS.maxRateBps).optional(),
    delayMs: z.number().min(0).max(LINK_LIMITS.maxDelayMs).optional(),
    trace: traceName.optional(),
    scale: z.number().min(LINK_LIMITS.minScale).max(LINK_LIMITS.maxScale).optional(),
  })
  .superRefine((value, ctx) => {
    for (const key of LINK_REQUIRED[value.mode]) {
      if (value[key as keyof typeof value] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `required when mode is '${value.mode}'`,
        });
      }
    }
    const allowed = LINK_ALLOWED[value.mode];
    for (const key of LINK_KEYS) {
      if (value[key] !== undefined && !allowed.includes(key)) {
        const which =
          allowed.length > 0 ? `it takes ${allowed.join(', ')}` : 'it takes no settings';
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `not allowed when mode is '${value.mode}' (${which})`,
        });
      }
    }
  });

const error = z.strictObject({
  type: z.literal('error'),
  code: errorCode,
  message: z.string().max(2000),
  requestId: requestId.optional(),
});

/** Device -> edge: opens a session for a model; the edge answers helloOk or helloRefused. */
export type Hello = z.infer<typeof hello>;
/** Edge -> device: the session is open; frames are checked against these limits. */
export type HelloOk = z.infer<typeof helloOk>;
/** Edge -> device: the session is refused (e.g. EDGENT_ERR_MODEL_MISMATCH), with why. */
export type HelloRefused = z.infer<typeof helloRefused>;
/** Device -> edge: asks for the edge's latency profile. */
export type ProfileRequest = z.infer<typeof profileRequest>;
/** Edge -> device: the edge's latency profile as stored JSON. */
export type ProfileReply = z.infer<typeof profile>;
/**
 * Device -> edge: link emulation for this connection. 'off' sends frames as
 * they come; 'fixed' holds each frame for bytes / rateBps (plus delayMs);
 * 'trace' replays a named trace of the edge, its rates multiplied by `scale`
 * (default 1).
 */
export type LinkSettings =
  | { type: 'link'; mode: 'off' }
  | { type: 'link'; mode: 'fixed'; rateBps: number; delayMs?: number }
  | { type: 'link'; mode: 'trace'; trace: string; scale?: number; delayMs?: number };
/** Either way: something failed; `requestId` when it concerns one frame. */
export type ControlError = z.infer<typeof error>;

/** Any control message. */
export type Control =
  | Hello
  | HelloOk
  | HelloRefused
  | ProfileRequest
  | ProfileReply
  | LinkSettings
  | ControlError;

/** Every control message type. */
export type ControlType = Control['type'];

const SCHEMAS: Readonly<Record<ControlType, z.ZodType>> = {
  hello,
  helloOk,
  helloRefused,
  profileRequest,
  profile,
  link,
  error,
};

/** The control message types, in a fixed order. */
export const CONTROL_TYPES: readonly ControlType[] = Object.freeze(
  Object.keys(SCHEMAS) as ControlType[],
);

function isControlType(x: unknown): x is ControlType {
  return typeof x === 'string' && Object.hasOwn(SCHEMAS, x);
}

function fail(code: ProtocolErrorCode, message: string): { ok: false; error: ProtocolError } {
  return err(new ProtocolError(code, message));
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value === 'object' ? Object.prototype.toString.call(value) : String(value); // BigInt, cycles
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeIssue(type: ControlType, issue: z.core.$ZodIssue, root: unknown): string {
  const where = [type, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown ${issue.keys.length > 1 ? 'keys' : 'key'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  }
  const received = valueAt(root, issue.path);
  if (received === undefined) {
    return issue.code === 'invalid_type'
      ? `${where}: required (${issue.expected})`
      : `${where}: ${issue.message}`;
  }
  if (issue.code === 'invalid_type') {
    return `${where}: expected ${issue.expected}, received ${show(received)}`;
  }
  return `${where}: ${issue.message}, received ${show(received)}`;
}

/**
 * Checks an already parsed value against the control schemas. Never throws.
 *
 * @example validateControl({ type: 'link', mode: 'fixed' });
 * // { ok: false, error: EDGENT_ERR_CONTROL_INVALID "link.rateBps: required when mode is 'fixed'" }
 */
export function validateControl(value: unknown): Result<Control, ProtocolError> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(
      'EDGENT_ERR_CONTROL_BAD_JSON',
      `control message is ${show(value)}, expected a JSON object`,
    );
  }
  const type = (value as { type?: unknown }).type;
  if (!isControlType(type)) {
    return fail(
      'EDGENT_ERR_CONTROL_BAD_TYPE',
      `control message type ${show(type)} is unknown; valid types: ${CONTROL_TYPES.join(', ')}`,
    );
  }
  const parsed = SCHEMAS[type].safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => describeIssue(type, issue, value));
    return fail('EDGENT_ERR_CONTROL_INVALID', details.join('; '));
  }
  return ok(parsed.data as Control);
}

/** Limits parseControl applies. */
export interface ParseControlOptions {
  /** Longer text is refused before parsing. Default 64 Ki. */
  maxChars?: number;
}

/**
 * Parses and validates the text of a control message. Never throws.
 *
 * @example
 * const msg = parseControl(text);
 * if (msg.ok && msg.value.type === 'hello') greet(msg.value.modelHash);
 */
export function parseControl(
  text: string,
  options: ParseControlOptions = {},
): Result<Control, ProtocolError> {
  const max = options.maxChars ?? DEFAULT_MAX_CONTROL_CHARS;
  if (typeof text !== 'string') {
    return fail(
      'EDGENT_ERR_CONTROL_BAD_JSON',
      `control message is a ${typeof text}, expected text`,
    );
  }
  if (text.length > max) {
    return fail(
      'EDGENT_ERR_CONTROL_TOO_LARGE',
      `control message of ${text.length} characters is above the limit of ${max}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return fail('EDGENT_ERR_CONTROL_BAD_JSON', `control message is not JSON: ${reason}`);
  }
  return validateControl(value);
}

/**
 * Validates a control message and returns its JSON text. Throws a
 * ProtocolError for an invalid message, which is a bug on the sending side.
 */
export function encodeControl(message: Control): string {
  const checked = validateControl(message);
  if (!checked.ok) throw checked.error;
  return JSON.stringify(checked.value);
}
