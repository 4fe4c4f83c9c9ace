// Node-only entry: backends, files, datasets, training.

export * from './backend';
export * from './data/index';
export * from './index';
export {
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  registerWasmTrainingKernels,
  stockConv2DBackpropInputConfig,
  stockMaxPoolGradConfig,
} from './kernels/index';
export { describeMachine } from './machine';
export * from './training/index';
export * from './weights-node';
