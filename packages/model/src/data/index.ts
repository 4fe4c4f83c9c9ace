export {
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  type Cifar10Options,
  loadCifar10,
  parseCifar10Batch,
} from './cifar10';
export {
  type CompositionSpec,
  composedDataset,
  composeFrame,
  decodeJpeg,
  encodeJpeg,
  frameSeed,
  sceneBank,
  TEST_COMPOSITION,
  TRAIN_COMPOSITION,
} from './compose';
export type { Dataset, DatasetSplit, LoadOptions } from './dataset';
export { DatasetError, type DatasetErrorCode } from './errors';
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  type FashionMnistOptions,
  loadFashionMnist,
} from './fashion-mnist';
export { type IdxArray, type IdxData, type IdxDtype, isGzip, parseIdx, readIdxFile } from './idx';
