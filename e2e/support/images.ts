import { PNG } from 'pngjs';

/**
 * Test images as files a browser takes in: a PNG for the upload input and a
 * YUV4MPEG2 video for Chromium's fake camera. Both scale a grayscale image
 * up by a whole factor (nearest neighbour), so averaging it back down to
 * 28x28 gives the original pixels.
 */

/** A grayscale image, one byte per pixel, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** Row-major pixels of `channels` bytes scaled up `factor` times each way (nearest neighbour). */
function scalePixels(src: Uint8Array, width: number, channels: number, factor: number): Uint8Array {
  const height = src.length / channels / width;
  const out = new Uint8Array(src.length * factor * factor);
  for (let y = 0; y < height * factor; y++) {
    for (let x = 0; x < width * factor; x++) {
      const from = (Math.floor(y / factor) * width + Math.floor(x / factor)) * channels;
      out.set(src.subarray(from, from + channels), (y * width * factor + x) * channels);
    }
  }
  return out;
}

/** `image` scaled up `factor` times in each direction (nearest neighbour). */
export function scaleUp(image: GrayImage, factor: number): GrayImage {
  const pixels = scalePixels(image.pixels, image.width, 1, factor);
  return { width: image.width * factor, height: image.height * factor, pixels };
}

/** The image as an opaque RGBA PNG file. */
export function encodePng(image: GrayImage): Buffer {
  const rgb = new Uint8Array(image.pixels.length * 3);
  for (let i = 0; i < image.pixels.length; i++) rgb.fill(image.pixels[i] ?? 0, 3 * i, 3 * i + 3);
  return encodePngRgb({ width: image.width, height: image.height, rgb });
}

/**
 * A YUV4MPEG2 video (4:2:0, C420jpeg) showing each image for
 * `framesEach` frames at `fps`, in order. Chromium's fake capture device
 * (`--use-file-for-fake-video-capture`) loops it. Images must share one even
 * size. Gray images have neutral chroma (128).
 */
export function encodeY4m(images: readonly GrayImage[], framesEach: number, fps: number): Buffer {
  const first = images[0];
  if (!first) throw new Error('a video needs at least one image');
  const { width, height } = first;
  if (width % 2 !== 0 || height % 2 !== 0) {
    throw new Error(`4:2:0 frames need an even size, got ${width}x${height}`);
  }
  const chroma = Buffer.alloc(2 * (width / 2) * (height / 2), 128);
  const parts: Buffer[] = [
    Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`),
  ];
  for (const image of images) {
    if (image.width !== width || image.height !== height) {
      throw new Error(`every frame must be ${width}x${height}, got ${image.width}x${image.height}`);
    }
    for (let i = 0; i < framesEach; i++) {
      parts.push(Buffer.from('FRAME\n'), Buffer.from(image.pixels), chroma);
    }
  }
  return Buffer.concat(parts);
}

/** A colour image, three bytes (R, G, B) per pixel, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** `image` scaled up `factor` times in each direction (nearest neighbour). */
export function scaleUpRgb(image: RgbImage, factor: number): RgbImage {
  const rgb = scalePixels(image.rgb, image.width, 3, factor);
  return { width: image.width * factor, height: image.height * factor, rgb };
}

/** The colour image as an opaque RGBA PNG file. */
export function encodePngRgb(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  for (let i = 0; i < image.width * image.height; i++) {
    png.data[4 * i] = image.rgb[3 * i] ?? 0;
    png.data[4 * i + 1] = image.rgb[3 * i + 1] ?? 0;
    png.data[4 * i + 2] = image.rgb[3 * i + 2] ?? 0;
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png);
}

const clampByte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/**
 * A colour YUV4MPEG2 video (4:2:0, BT.601 studio range, as a camera delivers
 * it) showing each image for `framesEach` frames at `fps`; chroma is the mean
 * of each 2x2 block.
 */
export function encodeY4mRgb(images: readonly RgbImage[], framesEach: number, fps: number): Buffer {
  const first = images[0];
  if (!first) throw new Error('a video needs at least one image');
  const { width, height } = first;
  if (width % 2 !== 0 || height % 2 !== 0) {
    throw new Error(`4:2:0 frames need an even size, got ${width}x${height}`);
  }
  const parts: Buffer[] = [
    Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`),
  ];
  for (const image of images) {
    if (image.width !== width || image.height !== height) {
      throw new Error(`every frame must be ${width}x${height}, got ${image.width}x${image.height}`);
    }
    const y = Buffer.alloc(width * height);
    const u = Buffer.alloc((width / 2) * (height / 2));
    const v = Buffer.alloc((width / 2) * (height / 2));
    const at = (px: number, c: number) => image.rgb[px * 3 + c] ?? 0;
    for (let p = 0; p < width * height; p++) {
      y[p] = clampByte(16 + 0.257 * at(p, 0) + 0.504 * at(p, 1) + 0.098 * at(p, 2));
    }
    for (let by = 0; by < height / 2; by++) {
      for (let bx = 0; bx < width / 2; bx++) {
        let [r, g, b] = [0, 0, 0];
        for (const [dx, dy] of [
          [0, 0],
          [1, 0],
          [0, 1],
          [1, 1],
        ] as const) {
          const px = (2 * by + dy) * width + 2 * bx + dx;
          r += at(px, 0) / 4;
          g += at(px, 1) / 4;
          b += at(px, 2) / 4;
        }
        const k = by * (width / 2) + bx;
        u[k] = clampByte(128 - 0.148 * r - 0.291 * g + 0.439 * b);
        v[k] = clampByte(128 + 0.439 * r - 0.368 * g - 0.071 * b);
      }
    }
    for (let i = 0; i < framesEach; i++) parts.push(Buffer.from('FRAME\n'), y, u, v);
  }
  return Buffer.concat(parts);
}
