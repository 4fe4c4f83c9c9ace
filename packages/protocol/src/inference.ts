/**
 * The one request and result of the wire contract. A device builds an
 * InferenceRequest, the frame carries it, the edge's session hands the same
 * object to the pool and the pool to a worker; the worker's InferenceResult
 * travels back the same way. See docs/protocol.md.
 */
import type { EdgeTiming, Frame } from './frame';
import type { EncodedTensor } from './tensor-codec';

/**
 * What a device asks of the edge: run layers [partition, end) of exit `exit` on this tensor.
 * At partition 0 it is the raw input: uint8 pixels, or a JPEG file whose shape is that of the
 * decoded frame, [batch, height, width, channels].
 */
export interface InferenceRequest extends EncodedTensor {
  exit: number;
  /** Layers the device ran. */
  partition: number;
}

/** What the edge answers: the exit's scores (logits), row-major [batch, classes], and its times. */
export interface InferenceResult {
  scores: Float32Array;
  shape: number[];
  timing: EdgeTiming;
}

/** The ids that tie a frame to its session and request. */
interface FrameIds {
  requestId: number;
  modelPrefix: string;
}

/** The request frame that carries `request`. */
export function requestFrame(request: InferenceRequest, ids: FrameIds): Frame {
  return {
    type: 'request',
    flags: 0,
    ...ids,
    exit: request.exit,
    partition: request.partition,
    dtype: request.dtype,
    shape: request.shape,
    payload: request.payload,
    ...(request.scale === undefined ? {} : { scale: request.scale }),
    ...(request.zeroPoint === undefined ? {} : { zeroPoint: request.zeroPoint }),
  };
}

/** The request a request frame carries; the payload is the frame's (no copy). */
export function requestOf(frame: Frame): InferenceRequest {
  return {
    exit: frame.exit,
    partition: frame.partition,
    dtype: frame.dtype,
    shape: [...frame.shape],
    payload: frame.payload,
    ...(frame.scale === undefined ? {} : { scale: frame.scale }),
    ...(frame.zeroPoint === undefined ? {} : { zeroPoint: frame.zeroPoint }),
  };
}

/** The result frame answering `request` (its id, model, exit and partition repeated). */
export function resultFrame(result: InferenceResult, request: Frame): Frame {
  const { scores } = result;
  return {
    type: 'result',
    flags: 0,
    requestId: request.requestId,
    modelPrefix: request.modelPrefix,
    exit: request.exit,
    partition: request.partition,
    dtype: 'float32',
    shape: result.shape,
    payload: new Uint8Array(scores.buffer, scores.byteOffset, scores.byteLength),
    timing: result.timing,
  };
}

/** The result a result frame carries; the scores are copied into an aligned array of their own. */
export function resultOf(frame: Frame): InferenceResult {
  const scores = new Float32Array(frame.payload.byteLength / 4);
  new Uint8Array(scores.buffer).set(frame.payload);
  return {
    scores,
    shape: [...frame.shape],
    timing: frame.timing ?? { queueMs: 0, decodeMs: 0, computeMs: 0 },
  };
}
