import { type ModelPixels, type RawImage, toModelPixels } from '@edgent/device';
import { centreSquare, fitWithin, grayToRgba, isUploadType } from './pixels';

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

/** Decodes an uploaded PNG, JPEG or WebP of any size into the model's input. */
export async function decodeUpload(file: File): Promise<ModelPixels> {
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
    return toModelPixels(rawOf(ctx, size.width, size.height));
  } finally {
    bitmap.close();
  }
}

/** The centred square of the video's current frame as the model's input. */
export function grabFrame(video: HTMLVideoElement): ModelPixels | undefined {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!(w > 0 && h > 0)) return undefined;
  const sq = centreSquare(w, h);
  const side = Math.min(sq.side, 112);
  const ctx = canvas2d(side, side);
  ctx.drawImage(video, sq.x, sq.y, sq.side, sq.side, 0, 0, side, side);
  return toModelPixels(rawOf(ctx, side, side));
}

/** Draws 28x28 (or side x side) gray bytes on `canvas`, which CSS scales up. */
export function drawGray(canvas: HTMLCanvasElement, pixels: Uint8Array, side = 28): void {
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.putImageData(new ImageData(grayToRgba(pixels), side, side), 0, 0);
}
