// Node-only entry: backends, files, datasets, training.

export * from './backend';
export * from './data/index';
export * from './index';
export { registerWasmTrainingKernels } from './kernels/index';
export * from './training/index';
export * from './weights-node';
