import type { KernelConfig } from '@tensorflow/tfjs-core';
import { tf } from '../backend';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { maxPoolGradConfig } from './max-pool-grad';
import { rememberStockKernel } from './wasm-ops';

export { conv2DBackpropInputConfig, stockConv2DBackpropInputConfig } from './conv2d-backprop-input';
export { maxPoolGradConfig, stockMaxPoolGradConfig } from './max-pool-grad';

/** Registers `config`, first recording the kernel it replaces as the stock one. */
function replaceKernel(config: KernelConfig): void {
  const current = tf.getKernel(config.kernelName, config.backendName) as KernelConfig | undefined;
  if (current === config) return;
  if (current !== undefined) {
    rememberStockKernel(current);
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

/**
 * Registers the wasm kernels that training needs: `Conv2DBackpropFilter`
 * (missing from tfjs-backend-wasm), and a faster `Conv2DBackpropInput` and
 * `MaxPoolGrad` over the stock ones, which stay reachable as
 * `stockConv2DBackpropInputConfig()` and `stockMaxPoolGradConfig()`.
 * Calling it again does nothing.
 *
 * @example
 * registerWasmTrainingKernels();
 * await useBackend('wasm');
 * const grads = tf.variableGrads(loss);
 */
export function registerWasmTrainingKernels(): void {
  replaceKernel(conv2DBackpropInputConfig);
  replaceKernel(maxPoolGradConfig);
  replaceKernel(conv2DBackpropFilterConfig);
}
