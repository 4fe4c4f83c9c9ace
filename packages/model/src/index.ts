// Browser-safe entry: the model as data, running slices, weights I/O over fetch.

export {
  type BatchNormStats,
  batchNormStats,
  foldBatchNorm,
  hasBatchNorm,
  withBatchNorm,
} from './batch-norm';
export { FASHION_MNIST_CLASSES } from './classes';
export * from './device-profile';
export { EdgentError } from './errors';
export { FRAME_JPEG_QUALITY } from './frame';
export { inputTensor, inputValues } from './input';
export { bAlexNet, tinyMultiExit } from './models/b-alexnet';
export { bConvNetCamera } from './models/b-convnet-camera';
export * from './profile';
export * from './random';
export * from './run';
export {
  latencyModelSchema,
  manifestSchema,
  parseManifest,
  parseProfile,
  profileSchema,
} from './schemas';
export * from './slowdown';
export * from './spec';
export * from './timing';
export * from './weights';
