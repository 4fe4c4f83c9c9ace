import { type ModelPixels, type RawImage, toInputPixels } from '@edgent/device';
import { centreSquare, fitWithin, grayToRgba, isUploadType, rgbToRgba, squareOf } from './pixels';

/** Uploads are drawn this big at most before `toModelPixels` (28x28 needs no more). */
const MAX_SIDE = 280;

function canvas2d(width: number, height: number): CanvasRenderingContext2D {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser gives no 2D canvas to read images with');
  return ctx;
}

function rawOf(ctx: CanvasRenderingContext2D, width: number, height: number): RawImage {
  const { data } = ctx.getImageData(0, 0, width, height);
  return { data, width, height, channels: 4 };
}

/**
 * Decodes an uploaded PNG, JPEG or WebP of any size into the input of a model
 * taking `input` ([height, width, channels]): grey 28x28, or a colour frame.
 */
export async function decodeUpload(file: File, input: readonly number[]): Promise<ModelPixels> {
  if (!isUploadType(file.type, file.name)) {
    throw new Error(
      `${file.name} is ${file.type || 'of an unknown type'}; the page reads PNG, JPEG and WebP images`,
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (e) {
    throw new Error(`${file.name} could not be decoded as an image (${(e as Error).message})`);
  }
  try {
    const size = fitWithin(bitmap.width, bitmap.height, MAX_SIDE);
    const ctx = canvas2d(size.width, size.height);
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    return toInputPixels(rawOf(ctx, size.width, size.height), input);
  } finally {
    bitmap.close();
  }
}

/** The centred square of the video's current frame as the input of a model taking `input`. */
export function grabFrame(
  video: HTMLVideoElement,
  input: readonly number[],
): ModelPixels | undefined {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!(w > 0 && h > 0)) return undefined;
  const sq = centreSquare(w, h);
  const side = Math.min(sq.side, 112);
  const ctx = canvas2d(side, side);
  ctx.drawImage(video, sq.x, sq.y, sq.side, sq.side, 0, 0, side, side);
  return toInputPixels(rawOf(ctx, side, side), input);
}

/** Draws a model input (side x side grey, or side x side x 3 RGB bytes) on `canvas`, which CSS scales up. */
export function drawPixels(canvas: HTMLCanvasElement, pixels: Uint8Array): void {
  const square = squareOf(pixels);
  if (!square) return;
  const { side, channels } = square;
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const rgba = channels === 3 ? rgbToRgba(pixels) : grayToRgba(pixels);
  ctx.putImageData(new ImageData(rgba, side, side), 0, 0);
}

/**
 * Encodes a colour frame (`width * height * 3` RGB bytes) as JPEG with the
 * browser's own encoder, as a camera pipeline sends frames.
 */
export async function encodeJpegInPage(
  rgb: Uint8Array,
  width: number,
  height: number,
  quality: number,
): Promise<Uint8Array> {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas to encode frames with');
  ctx.putImageData(new ImageData(rgbToRgba(rgb), width, height), 0, 0);
  const blob = await new Promise<Blob | null>((resolve) =>
    canvas.toBlob(resolve, 'image/jpeg', quality / 100),
  );
  if (!blob) throw new Error('this browser could not encode the frame as JPEG');
  return new Uint8Array(await blob.arrayBuffer());
}
