/**
 * Control messages: valid messages parse to themselves, invalid ones give a
 * code and a message naming the field, and no text makes the parser throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Control,
  encodeControl,
  ProtocolError,
  type ProtocolErrorCode,
  parseControl,
  validateControl,
} from '../src/index';
import { runs } from './arbitraries';

const HASH = `sha256:${'0f'.repeat(32)}`;

const CONTROL_CODES: readonly ProtocolErrorCode[] = [
  'EDGENT_ERR_CONTROL_TOO_LARGE',
  'EDGENT_ERR_CONTROL_BAD_JSON',
  'EDGENT_ERR_CONTROL_BAD_TYPE',
  'EDGENT_ERR_CONTROL_INVALID',
];

const valid: [string, Control][] = [
  ['hello', { type: 'hello', modelId: 'b-alexnet', modelHash: HASH }],
  [
    'hello with client',
    {
      type: 'hello',
      modelId: 'b-alexnet',
      modelHash: HASH,
      client: { name: 'web', version: '0.1.0', backend: 'webgpu' },
    },
  ],
  [
    'helloOk',
    {
      type: 'helloOk',
      modelId: 'b-alexnet',
      modelHash: HASH,
      protocolVersion: 1,
      maxPayloadBytes: 1 << 20,
    },
  ],
  [
    'helloRefused',
    { type: 'helloRefused', code: 'EDGENT_ERR_MODEL_MISMATCH', message: 'edge serves sha256:ab..' },
  ],
  ['profileRequest', { type: 'profileRequest' }],
  ['profile', { type: 'profile', profile: { backend: 'wasm', kinds: { conv: [1, 2, 3] } } }],
  ['link off', { type: 'link', mode: 'off' }],
  ['link fixed', { type: 'link', mode: 'fixed', rateBps: 1_000_000 }],
  ['link fixed with delay', { type: 'link', mode: 'fixed', rateBps: 50_000, delayMs: 20 }],
  ['link trace', { type: 'link', mode: 'trace', trace: 'lte-walk_01.tsv' }],
  [
    'link trace scaled with delay',
    { type: 'link', mode: 'trace', trace: 'hsdpa', scale: 0.5, delayMs: 0 },
  ],
  ['error', { type: 'error', code: 'EDGENT_ERR_FRAME_TRUNCATED', message: 'frame has 3 bytes' }],
  [
    'error for a request',
    {
      type: 'error',
      code: 'EDGENT_ERR_BAD_PARTITION',
      message: 'partition 9',
      requestId: 4_294_967_295,
    },
  ],
];

describe('valid control messages', () => {
  it.each(valid)('%s parses to itself and encodes back to the same JSON', (_name, message) => {
    const text = encodeControl(message);
    expect(JSON.parse(text)).toEqual(message);
    expect(parseControl(text)).toEqual({ ok: true, value: message });
  });
});

const invalid: [string, unknown, ProtocolErrorCode, string][] = [
  ['not JSON', '{"type": "hello"', 'EDGENT_ERR_CONTROL_BAD_JSON', 'control message is not JSON: '],
  [
    'a JSON array',
    '[1, 2]',
    'EDGENT_ERR_CONTROL_BAD_JSON',
    'control message is [1,2], expected a JSON object',
  ],
  [
    'JSON null',
    'null',
    'EDGENT_ERR_CONTROL_BAD_JSON',
    'control message is null, expected a JSON object',
  ],
  [
    'a JSON string',
    '"hello"',
    'EDGENT_ERR_CONTROL_BAD_JSON',
    'control message is "hello", expected a JSON object',
  ],
  [
    'no type',
    {},
    'EDGENT_ERR_CONTROL_BAD_TYPE',
    'control message type nothing is unknown; valid types: hello, helloOk, helloRefused, profileRequest, profile, link, error',
  ],
  [
    'unknown type',
    { type: 'helo' },
    'EDGENT_ERR_CONTROL_BAD_TYPE',
    'control message type "helo" is unknown',
  ],
  [
    'a prototype key as type',
    { type: 'toString' },
    'EDGENT_ERR_CONTROL_BAD_TYPE',
    'control message type "toString" is unknown',
  ],
  [
    'hello without modelHash',
    { type: 'hello', modelId: 'm' },
    'EDGENT_ERR_CONTROL_INVALID',
    'hello.modelHash: required (string)',
  ],
  [
    'hello with a short hash',
    { type: 'hello', modelId: 'm', modelHash: 'sha256:abc' },
    'EDGENT_ERR_CONTROL_INVALID',
    `hello.modelHash: expected 'sha256:' followed by 64 lowercase hex digits, received "sha256:abc"`,
  ],
  [
    'hello with an empty modelId',
    { type: 'hello', modelId: '', modelHash: HASH },
    'EDGENT_ERR_CONTROL_INVALID',
    'hello.modelId: Too small: expected string to have >=1 characters, received ""',
  ],
  [
    'hello with a misspelt key',
    { type: 'hello', modelId: 'm', modelHash: HASH, clinet: {} },
    'EDGENT_ERR_CONTROL_INVALID',
    'hello: unknown key "clinet"',
  ],
  [
    'hello with a numeric client name',
    { type: 'hello', modelId: 'm', modelHash: HASH, client: { name: 5 } },
    'EDGENT_ERR_CONTROL_INVALID',
    'hello.client.name: expected string, received 5',
  ],
  [
    'helloOk with a zero payload limit',
    { type: 'helloOk', modelId: 'm', modelHash: HASH, protocolVersion: 1, maxPayloadBytes: 0 },
    'EDGENT_ERR_CONTROL_INVALID',
    'helloOk.maxPayloadBytes: Too small: expected number to be >0, received 0',
  ],
  [
    'helloRefused with a code of another shape',
    { type: 'helloRefused', code: 'mismatch', message: 'no' },
    'EDGENT_ERR_CONTROL_INVALID',
    'helloRefused.code: expected a code like EDGENT_ERR_SOMETHING, received "mismatch"',
  ],
  [
    'profileRequest with a key',
    { type: 'profileRequest', all: true },
    'EDGENT_ERR_CONTROL_INVALID',
    'profileRequest: unknown key "all"',
  ],
  [
    'profile not an object',
    { type: 'profile', profile: [1] },
    'EDGENT_ERR_CONTROL_INVALID',
    'profile.profile: expected record, received [1]',
  ],
  [
    'link with an unknown mode',
    { type: 'link', mode: 'slow' },
    'EDGENT_ERR_CONTROL_INVALID',
    'link.mode: Invalid option: expected one of "off"|"fixed"|"trace", received "slow"',
  ],
  [
    'link fixed without a rate',
    { type: 'link', mode: 'fixed' },
    'EDGENT_ERR_CONTROL_INVALID',
    "link.rateBps: required when mode is 'fixed'",
  ],
  [
    'link trace without a trace',
    { type: 'link', mode: 'trace', scale: 2 },
    'EDGENT_ERR_CONTROL_INVALID',
    "link.trace: required when mode is 'trace'",
  ],
  [
    'link off with a rate',
    { type: 'link', mode: 'off', rateBps: 1000 },
    'EDGENT_ERR_CONTROL_INVALID',
    "link.rateBps: not allowed when mode is 'off' (it takes no settings)",
  ],
  [
    'link fixed with a trace',
    { type: 'link', mode: 'fixed', rateBps: 1000, trace: 'x' },
    'EDGENT_ERR_CONTROL_INVALID',
    "link.trace: not allowed when mode is 'fixed' (it takes rateBps, delayMs)",
  ],
  [
    'link with a negative rate',
    { type: 'link', mode: 'fixed', rateBps: -5 },
    'EDGENT_ERR_CONTROL_INVALID',
    'link.rateBps: Too small: expected number to be >=1000, received -5',
  ],
  [
    'link with a rate under 1 kbit/s (issue 10: the emulator held frames for days)',
    { type: 'link', mode: 'fixed', rateBps: 1 },
    'EDGENT_ERR_CONTROL_INVALID',
    'link.rateBps: Too small: expected number to be >=1000, received 1',
  ],
  [
    'link with a rate of NaN-like huge value',
    { type: 'link', mode: 'fixed', rateBps: 1e300 },
    'EDGENT_ERR_CONTROL_INVALID',
    'link.rateBps: Too big: expected number to be <=10000000000, received 1e+300',
  ],
  [
    'link with a trace scale of 1e-300 (issue 10: it hung the edge)',
    { type: 'link', mode: 'trace', trace: 'norway_bus_1', scale: 1e-300 },
    'EDGENT_ERR_CONTROL_INVALID',
    'link.scale: Too small: expected number to be >=0.001, received 1e-300',
  ],
  [
    'link with a trace path',
    { type: 'link', mode: 'trace', trace: '../../etc/passwd' },
    'EDGENT_ERR_CONTROL_INVALID',
    'link.trace: expected a trace name (letters, digits, . _ -, up to 64), not a path, received "../../etc/passwd"',
  ],
  [
    'link with a delay above a minute',
    { type: 'link', mode: 'fixed', rateBps: 1, delayMs: 60_001 },
    'EDGENT_ERR_CONTROL_INVALID',
    'link.delayMs: Too big: expected number to be <=60000, received 60001',
  ],
  [
    'error with a fractional requestId',
    { type: 'error', code: 'EDGENT_ERR_X', message: 'm', requestId: 1.5 },
    'EDGENT_ERR_CONTROL_INVALID',
    'error.requestId: expected int, received 1.5',
  ],
  [
    'two bad fields, both named',
    { type: 'error', code: 'x', message: 7 },
    'EDGENT_ERR_CONTROL_INVALID',
    'error.code: expected a code like EDGENT_ERR_SOMETHING, received "x"; error.message: expected string, received 7',
  ],
];

describe('invalid control messages', () => {
  it.each(invalid)('%s', (_name, input, code, message) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    const parsed = parseControl(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toBeInstanceOf(ProtocolError);
    expect(parsed.error.code).toBe(code);
    expect(parsed.error.message).toContain(message);
  });

  it('refuses text above maxChars before parsing it', () => {
    const text = JSON.stringify({ type: 'error', code: 'EDGENT_ERR_X', message: 'x'.repeat(100) });
    const parsed = parseControl(text, { maxChars: 50 });
    expect(parsed.ok || parsed.error.code).toBe('EDGENT_ERR_CONTROL_TOO_LARGE');
    expect(parsed.ok || parsed.error.message).toBe(
      `control message of ${text.length} characters is above the limit of 50`,
    );
    expect(parseControl(text).ok).toBe(true);
  });

  it('encodeControl throws the same error for a message it would not accept', () => {
    const bad = { type: 'link', mode: 'fixed' } as Control;
    expect(() => encodeControl(bad)).toThrow("link.rateBps: required when mode is 'fixed'");
  });
});

describe('never throws', () => {
  function expectResult(result: ReturnType<typeof parseControl>): void {
    if (!result.ok) expect(CONTROL_CODES).toContain(result.error.code);
  }

  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) =>
        expectResult(parseControl(text)),
      ),
      runs(2000),
    );
  });

  it('on arbitrary JSON, and on objects with a known type and random fields', () => {
    const types = [
      'hello',
      'helloOk',
      'helloRefused',
      'profileRequest',
      'profile',
      'link',
      'error',
    ];
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expectResult(parseControl(JSON.stringify(value)))),
      runs(1000),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (type, rest) => expectResult(validateControl({ ...rest, type })),
      ),
      runs(1000),
    );
  });

  it('on values JSON cannot hold', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true }), (value) =>
        expectResult(validateControl(value)),
      ),
      runs(500),
    );
  });
});
