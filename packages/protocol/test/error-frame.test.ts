import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeErrorFrame, readErrorFrame } from '../src/error-frame';
import { decodeFrame, encodeFrame, type Frame } from '../src/frame';
import { runs } from './arbitraries';

const decode = (bytes: Uint8Array): Frame => {
  const d = decodeFrame(bytes);
  if (!d.ok) throw d.error;
  return d.value;
};

describe('error frames', () => {
  it('round-trip code, message and request id, with the id in the header too', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^EDGENT_ERR_[A-Z0-9_]{1,20}$/),
        fc.string({ maxLength: 300 }),
        fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: undefined }),
        (code, message, requestId) => {
          const frame = decode(encodeErrorFrame({ code, message, requestId }));
          expect(frame.type).toBe('error');
          expect(frame.requestId).toBe(requestId ?? 0);
          const body = readErrorFrame(frame);
          expect(body.ok && body.value).toEqual({
            type: 'error',
            code,
            message,
            ...(requestId === undefined ? {} : { requestId }),
          });
        },
      ),
      runs(200),
    );
  });

  it('cuts a long message to 2000 characters', () => {
    const body = readErrorFrame(
      decode(encodeErrorFrame({ code: 'EDGENT_ERR_X', message: 'm'.repeat(5000) })),
    );
    expect(body.ok && body.value.message.length).toBe(2000);
  });

  it('reads a frame that is not an error, or not JSON, as a typed error', () => {
    const notError = readErrorFrame({
      ...decode(encodeErrorFrame({ code: 'EDGENT_ERR_X', message: 'x' })),
      type: 'probe',
    });
    expect(!notError.ok && notError.error.code).toBe('EDGENT_ERR_FRAME_BAD_TYPE');
    const garbage = new Uint8Array([0xff, 0xfe, 0x7b]);
    const badJson = readErrorFrame(
      decode(
        encodeFrame({
          type: 'error',
          flags: 0,
          requestId: 1,
          modelPrefix: '0'.repeat(16),
          exit: 0,
          partition: 0,
          dtype: 'uint8',
          shape: [garbage.length],
          payload: garbage,
        }),
      ),
    );
    expect(!badJson.ok && badJson.error.code).toBe('EDGENT_ERR_CONTROL_BAD_JSON');
  });
});
