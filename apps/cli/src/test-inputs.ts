/**
 * The inputs the CLI classifies, shaped for the model at hand: the
 * Fashion-MNIST test images as they are (a grey 28x28 model), or their
 * composed colour test frames (the camera model's test set); and any PNG,
 * JPEG or WebP file turned into the model's input as the page turns uploads.
 */
import { readFile } from 'node:fs/promises';
import { toInputPixels } from '@edgent/device';
import { composeFrame, frameSeed, loadFashionMnist, TEST_COMPOSITION } from '@edgent/model/node';
import { UsageError } from './commands/train';
import { decodeImageFile, imageFormat } from './image-file';

/** One input: model pixels, and the true label when known. */
export interface Input {
  name: string;
  pixels: Uint8Array;
  label?: number;
}

/** The first `n` test inputs of a model taking `input` ([height, width, channels]). */
export function testInputs(n: number, input: readonly number[]): Input[] {
  const { images, labels } = loadFashionMnist({ split: 'test', limit: n });
  return Array.from({ length: Math.min(n, labels.length) }, (_, i) => {
    const grey = images.subarray(784 * i, 784 * (i + 1));
    const colour = input[2] === 3;
    return {
      name: colour ? `test frame ${i}` : `test[${i}]`,
      pixels: colour ? composeFrame(grey, TEST_COMPOSITION, frameSeed(TEST_COMPOSITION, i)) : grey,
      label: labels[i] as number,
    };
  });
}

/** A PNG, JPEG or WebP file as the input of a model taking `input`; a usage error when it is not one. */
export async function readImage(file: string, input: readonly number[]): Promise<Input> {
  imageFormat(file); // a file of another kind is refused before it is read
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read --image ${file}: ${(e as Error).message}`);
  }
  const raw = await decodeImageFile(file, bytes);
  return { name: file, pixels: toInputPixels(raw, input).pixels };
}
