/**
 * The one request and result type: what a device sends is what the edge reads, and what the
 * edge answers is what the device reads, through real encoded frames.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  encodeTensor,
  type InferenceRequest,
  modelPrefixOf,
  requestFrame,
  requestOf,
  resultFrame,
  resultOf,
} from '../src/index';

const ids = { requestId: 7, modelPrefix: modelPrefixOf(`sha256:${'ab'.repeat(32)}`) };

function throughWire(request: InferenceRequest) {
  const decoded = decodeFrame(encodeFrame(requestFrame(request, ids)));
  if (!decoded.ok) throw decoded.error;
  return decoded.value;
}

describe('InferenceRequest and InferenceResult through frames', () => {
  it('an int8 request arrives as sent, its quantisation included', () => {
    const tensor = encodeTensor(Float32Array.from([0.5, -1, 2, 0]), [1, 2, 2], 'int8');
    const request: InferenceRequest = { exit: 3, partition: 4, ...tensor };
    const frame = throughWire(request);
    expect(frame).toMatchObject({ type: 'request', ...ids });
    const got = requestOf(frame);
    expect({ ...got, payload: [...got.payload] }).toEqual({
      ...request,
      shape: [1, 2, 2],
      payload: [...tensor.payload],
    });
  });

  it('a raw request carries no quantisation fields', () => {
    const got = requestOf(
      throughWire({
        exit: 0,
        partition: 0,
        dtype: 'uint8',
        shape: [1, 2],
        payload: Uint8Array.from([1, 2]),
      }),
    );
    expect('scale' in got || 'zeroPoint' in got).toBe(false);
  });

  it('a result answers its request: same ids, exit and partition; scores and timing read back', () => {
    const request = throughWire({
      exit: 1,
      partition: 2,
      dtype: 'float32',
      shape: [1, 1],
      payload: new Uint8Array(4),
    });
    const scores = Float32Array.from([0.25, -3, 7.5]);
    const timing = { queueMs: 1.5, decodeMs: 0.25, computeMs: 12 };
    const decoded = decodeFrame(
      encodeFrame(resultFrame({ scores, shape: [1, 3], timing }, request)),
    );
    if (!decoded.ok) throw decoded.error;
    expect(decoded.value).toMatchObject({ type: 'result', ...ids, exit: 1, partition: 2 });
    const result = resultOf(decoded.value);
    expect([...result.scores]).toEqual([...scores]);
    expect(result).toMatchObject({ shape: [1, 3], timing });
  });
});
