/**
 * @edgent/protocol: the binary frames and JSON control messages between the
 * device (browser) and the edge (Node), defined once for both, and the
 * Channel they travel over. Pure and browser-safe: DataView, Uint8Array and
 * zod only.
 */
export {
  type Channel,
  type ChannelMessage,
  memoryPair,
  type WebSocketLike,
  type WebSocketLikeEvent,
  wsChannel,
} from './channel';
export { httpStatusOf, isWireCode, WIRE_CODES, type WireCode } from './codes';
export {
  CONTROL_TYPES,
  type Control,
  type ControlError,
  type ControlType,
  DEFAULT_MAX_CONTROL_CHARS,
  encodeControl,
  type Hello,
  type HelloOk,
  type HelloRefused,
  LINK_LIMITS,
  type LinkSettings,
  MAX_LINK_DELAY_MS,
  type ParseControlOptions,
  type ProfileReply,
  type ProfileRequest,
  parseControl,
  validateControl,
} from './control';
export { type ErrorFrameFields, encodeErrorFrame, readErrorFrame } from './error-frame';
export { ProtocolError, type ProtocolErrorCode } from './errors';
export {
  carriesTiming,
  DEFAULT_MAX_PAYLOAD_BYTES,
  type DecodeOptions,
  DTYPE_BYTES,
  DTYPE_CODES,
  type DType,
  decodeFrame,
  type EdgeTiming,
  elementCount,
  encodeFrame,
  type Frame,
  type FrameFields,
  type FrameHeader,
  HEADER_BYTES,
  MAX_RANK,
  MESSAGE_TYPE_CODES,
  type MessageType,
  modelPrefixOf,
  PROTOCOL_VERSION,
  peekHeader,
  type TensorDType,
} from './frame';
export type {
  AddressesAnswer,
  GalleryAnswer,
  GalleryItem,
  ModelSummary,
  ModelsAnswer,
  TraceSummary,
  TracesAnswer,
} from './http';
export {
  type InferenceRequest,
  type InferenceResult,
  requestFrame,
  requestOf,
  resultFrame,
  resultOf,
} from './inference';
export { err, ok, type Result } from './result';
export {
  decodeTensor,
  dequantizeInt8,
  type EncodedTensor,
  encodeTensor,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  int8Params,
  type QuantParams,
  quantizeInt8,
} from './tensor-codec';
