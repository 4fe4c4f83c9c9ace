import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { EdgentError } from '../errors';
import { explicitPad, kernelInput, WasmScratch } from './wasm-ops';

type Shape4 = [number, number, number, number];

/**
 * The filter gradient of an NHWC Conv2D, which tfjs-backend-wasm lacks.
 *
 * dW[kh, kw, ci, co] = sum over n, oh, ow of
 *   x[n, oh * sh - padTop + kh, ow * sw - padLeft + kw, ci] * dy[n, oh, ow, co]
 * is a stride-1 convolution of x (batch and channels swapped: [Cin, H, W, N])
 * by dy used as a filter ([OH, OW, N, Cout]) dilated by the forward strides;
 * its output [Cin, KH, KW, Cout] is transposed to [KH, KW, Cin, Cout].
 */
const conv2DBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const x = kernelInput(inputs, Conv2DBackpropFilter, 'x');
  const dy = kernelInput(inputs, Conv2DBackpropFilter, 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') {
    throw new EdgentError(
      'EDGENT_ERR_KERNEL_DATA_FORMAT',
      `Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only; received '${String(dataFormat)}'`,
    );
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const expected = info.outShape.join(',');
  if (dy.shape.join(',') !== expected) {
    throw new Error(`Conv2DBackpropFilter: dy has shape [${dy.shape}], expected [${expected}]`);
  }

  const { filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, padInfo } = info;
  // Rows of the padded input that the forward pass never read are cut by a
  // negative `after`; they can only be at the bottom and right.
  const rows = {
    before: padInfo.top,
    after: filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top,
  };
  const cols = {
    before: padInfo.left,
    after: filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left,
  };

  const scratch = new WasmScratch(backend as KernelBackend);
  try {
    const xT = scratch.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
    const dyT = scratch.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    let grad: TensorInfo = scratch.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        dilations: [strideHeight, strideWidth],
        pad: explicitPad(rows, cols),
        dataFormat: 'NHWC',
      },
    );
    if (grad.shape[1] !== filterHeight || grad.shape[2] !== filterWidth) {
      grad = scratch.run(
        'Slice',
        { x: grad },
        {
          begin: [0, 0, 0, 0],
          size: [info.inChannels, filterHeight, filterWidth, info.outChannels],
        },
      );
    }
    return scratch.keep(scratch.run('Transpose', { x: grad }, { perm: [1, 2, 0, 3] }));
  } finally {
    scratch.dispose();
  }
};

/** `Conv2DBackpropFilter` for the wasm backend, built on its Conv2D. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
