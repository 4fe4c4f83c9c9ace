import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { EdgentError } from '../errors';
import { explicitPad, kernelInput, type Span, stockKernel, WasmScratch } from './wasm-ops';

type Shape4 = [number, number, number, number];

/**
 * tfjs-backend-wasm's own `Conv2DBackpropInput`, recorded when ours was first
 * registered; undefined before that.
 */
export function stockConv2DBackpropInputConfig(): KernelConfig | undefined {
  return stockKernel(Conv2DBackpropInput);
}

/**
 * Zeros between the rows of dy (stride s) are s - 1 per row; `lead` of them
 * go before each row, the rest after. The transposed convolution then needs
 * `filter - 1 - pad - lead` rows of padding before and
 * `input + pad + lead - out * s` after; a lead that makes both non-negative
 * avoids cropping the result. Negative spans are cropped afterwards.
 */
function dilationSpan(filter: number, pad: number, input: number, out: number, stride: number) {
  const lo = Math.max(0, out * stride - input - pad);
  const hi = Math.min(stride - 1, filter - 1 - pad);
  const lead = Math.min(lo, Math.max(hi, 0));
  const span: Span = { before: filter - 1 - pad - lead, after: input + pad + lead - out * stride };
  return { lead, span };
}

/**
 * The input gradient of an NHWC Conv2D as a forward Conv2D: dy with
 * `stride - 1` zeros inserted between rows and columns, padded by
 * `filter - 1 - pad`, convolved (stride 1) with the filter flipped in space
 * and with input and output channels swapped. wasm's Conv2D (XNNPACK) is much
 * faster than its direct Conv2DBackpropInput loop. NCHW falls back to the
 * stock kernel.
 */
const conv2DBackpropInput: KernelFunc = (args) => {
  const { inputs, attrs, backend } = args;
  const dy = kernelInput(inputs, Conv2DBackpropInput, 'dy');
  const filter = kernelInput(inputs, Conv2DBackpropInput, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  if (dataFormat !== 'NHWC') {
    const stock = stockConv2DBackpropInputConfig();
    if (stock === undefined) {
      throw new EdgentError(
        'EDGENT_ERR_KERNEL_DATA_FORMAT',
        `Conv2DBackpropInput on wasm supports dataFormat 'NHWC' only; received '${String(dataFormat)}'`,
      );
    }
    return stock.kernelFunc(args);
  }
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const expected = info.outShape.join(',');
  if (dy.shape.join(',') !== expected) {
    throw new Error(`Conv2DBackpropInput: dy has shape [${dy.shape}], expected [${expected}]`);
  }
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const h = dilationSpan(filterHeight, padInfo.top, inHeight, outHeight, strideHeight);
  const w = dilationSpan(filterWidth, padInfo.left, inWidth, outWidth, strideWidth);

  const scratch = new WasmScratch(backend as KernelBackend);
  try {
    let dilated: TensorInfo = dy;
    if (strideHeight > 1 || strideWidth > 1) {
      const rows = scratch.run(
        'Reshape',
        { x: dy },
        { shape: [batchSize * outHeight, 1, outWidth, 1, outChannels] },
      );
      const padded = scratch.run(
        'PadV2',
        { x: rows },
        {
          paddings: [
            [0, 0],
            [h.lead, strideHeight - 1 - h.lead],
            [0, 0],
            [w.lead, strideWidth - 1 - w.lead],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      dilated = scratch.run(
        'Reshape',
        { x: padded },
        { shape: [batchSize, outHeight * strideHeight, outWidth * strideWidth, outChannels] },
      );
    }
    const flipped = scratch.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = scratch.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    let dx: TensorInfo = scratch.run(
      'Conv2D',
      { x: dilated, filter: swapped },
      { strides: [1, 1], dilations: [1, 1], pad: explicitPad(h.span, w.span), dataFormat: 'NHWC' },
    );
    if (dx.shape[1] !== inHeight || dx.shape[2] !== inWidth) {
      dx = scratch.run(
        'Slice',
        { x: dx },
        {
          begin: [0, Math.max(0, -h.span.before), Math.max(0, -w.span.before), 0],
          size: [batchSize, inHeight, inWidth, inChannels],
        },
      );
    }
    return scratch.keep(dx);
  } finally {
    scratch.dispose();
  }
};

/**
 * `Conv2DBackpropInput` for the wasm backend, built on its Conv2D. Its setup
 * runs the stock kernel's setup, so the stock kernel stays usable (for the
 * NCHW fallback and for comparisons) even when ours replaced it before the
 * backend initialised.
 */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
  setupFunc: (backend) => {
    stockConv2DBackpropInputConfig()?.setupFunc?.(backend);
  },
};
