import { loadFashionMnist } from '@edgent/model/node';
import { type OpenDevice, openDevice } from '../src/device-setup';
import { defaultModelDir } from '../src/paths';

/** `edgent device` as the tests set it up: the shipped model, the stand-in cpu device, float32. */
export function openCpuDevice(edge: string): Promise<OpenDevice> {
  return openDevice({
    edge,
    backend: 'cpu',
    modelDir: defaultModelDir,
    deviceSlowdown: 1,
    encoding: 'float32',
  });
}

/** The first `n` Fashion-MNIST test images as model-input bytes. */
export function testPixels(n: number): Uint8Array[] {
  const { images } = loadFashionMnist({ split: 'test', limit: n });
  return Array.from({ length: n }, (_, i) => images.subarray(i * 784, (i + 1) * 784));
}
