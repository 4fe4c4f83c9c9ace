import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
} from '@tensorflow/tfjs-core';
import { kernelInput, stockKernel } from './wasm-ops';

type Shape4 = [number, number, number, number];

/**
 * tfjs-backend-wasm's own `MaxPoolGrad`, recorded when ours was first
 * registered; undefined before that.
 */
export function stockMaxPoolGradConfig(): KernelConfig | undefined {
  return stockKernel(MaxPoolGrad);
}

/**
 * Adds each dy value to dx at the argmax of its window in x (all NHWC). The
 * argmax is the first strictly greater value in row-major window order, as
 * tfjs-backend-cpu's maxPoolPositions picks it; a window with no value above
 * -Infinity (all NaN or -Infinity) routes nothing. One image at a time is
 * summed in float64 in the cpu kernel's order, so dx equals cpu's bit for bit.
 */
function routeMaxPoolGradient(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  const rowSize = inWidth * inChannels;
  const imageSize = inHeight * rowSize;
  const sum = new Float64Array(imageSize);
  let dyAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * imageSize;
    sum.fill(0);
    for (let yR = 0; yR < outHeight; yR++) {
      const rowCorner = yR * strideHeight - top;
      const rowMin = Math.max(0, rowCorner);
      const rowMax = Math.min(inHeight, rowCorner + effectiveFilterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const colCorner = yC * strideWidth - left;
        const colMin = Math.max(0, colCorner);
        const colMax = Math.min(inWidth, colCorner + effectiveFilterWidth);
        const corner = rowMin * rowSize + colMin * inChannels;
        for (let d = 0; d < inChannels; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let argmax = -1;
          for (let xR = rowMin, row = corner + d; xR < rowMax; xR++, row += rowSize) {
            for (let xC = colMin, at = row; xC < colMax; xC++, at += inChannels) {
              const value = x[image + at] as number;
              if (value > best) {
                best = value;
                argmax = at;
              }
            }
          }
          if (argmax >= 0) sum[argmax] = (sum[argmax] as number) + (dy[dyAt + d] as number);
        }
        dyAt += inChannels;
      }
    }
    dx.set(sum, image);
  }
}

/**
 * The input gradient of an NHWC max pool, computed in JS on the wasm heap:
 * one pass over the windows instead of the stock kernel's loop over every
 * dx element and every window that covers it.
 */
const maxPoolGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const dy = kernelInput(inputs, MaxPoolGrad, 'dy');
  const x = kernelInput(inputs, MaxPoolGrad, 'input');
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    x.shape as Shape4,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const expected = info.outShape.join(',');
  if (dy.shape.join(',') !== expected) {
    throw new Error(`MaxPoolGrad: dy has shape [${dy.shape}], expected [${expected}]`);
  }
  const wasm = backend as BackendWasm;
  const dx = wasm.makeOutput(x.shape, 'float32');
  // Allocating dx may grow the heap, which detaches views taken before it.
  routeMaxPoolGradient(
    wasm.typedArrayFromHeap(x),
    wasm.typedArrayFromHeap(dy),
    wasm.typedArrayFromHeap(dx) as Float32Array,
    info,
  );
  return dx;
};

/**
 * `MaxPoolGrad` for the wasm backend, computed in JS. Its setup runs the
 * stock kernel's setup, so the stock kernel stays usable for comparisons
 * even when ours replaced it before the backend initialised.
 */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
  setupFunc: (backend) => {
    stockMaxPoolGradConfig()?.setupFunc?.(backend);
  },
};
