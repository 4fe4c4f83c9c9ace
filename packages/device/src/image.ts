import { DeviceError } from './errors';

/**
 * Turns any image into the model's input as Fashion-MNIST draws it: a
 * grayscale square, the object light on a dark background. Browser-safe:
 * the page hands in canvas pixels, `edgent device` decoded PNG or JPEG.
 */

/** Pixels, row-major, `channels` bytes each (1 gray, 3 RGB, 4 RGBA). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** What `toModelPixels` did, for showing the person. */
export interface ModelPixels {
  /** side x side bytes, 0..255. */
  pixels: Uint8Array;
  /** Whether the image was inverted (its background was light). */
  inverted: boolean;
}

/** Throws EDGENT_ERR_BAD_IMAGE unless `img` has a size, 1, 3 or 4 channels and all its bytes. */
function checkImage(img: RawImage): void {
  const { width, height, channels } = img;
  if (!(width > 0 && height > 0) || ![1, 3, 4].includes(channels)) {
    throw new DeviceError(
      'EDGENT_ERR_BAD_IMAGE',
      `an image needs a positive width and height and 1, 3 or 4 channels; got ${width}x${height}x${channels}`,
    );
  }
  if (img.data.length < width * height * channels) {
    throw new DeviceError(
      'EDGENT_ERR_BAD_IMAGE',
      `a ${width}x${height}x${channels} image needs ${width * height * channels} bytes, got ${img.data.length}`,
    );
  }
}

function gray(img: RawImage): Float32Array {
  const { data, width, height, channels } = img;
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const o = i * channels;
    if (channels === 1) out[i] = data[o] ?? 0;
    else {
      const a = channels === 4 ? (data[o + 3] ?? 255) / 255 : 1;
      // Transparent pixels count as white paper.
      const lum = 0.299 * (data[o] ?? 0) + 0.587 * (data[o + 1] ?? 0) + 0.114 * (data[o + 2] ?? 0);
      out[i] = a * lum + (1 - a) * 255;
    }
  }
  return out;
}

/**
 * Calls `cell` for each of the `side` x `side` output cells of an area
 * average over a square of `s` source pixels, with the cell's index and its
 * source rows [y0, y1) and columns [x0, x1) (at least one of each).
 */
function forEachCell(
  s: number,
  side: number,
  cell: (k: number, y0: number, y1: number, x0: number, x1: number) => void,
): void {
  const step = s / side;
  for (let j = 0; j < side; j++) {
    const y0 = Math.floor(j * step);
    const y1 = Math.max(y0 + 1, Math.floor((j + 1) * step));
    for (let i = 0; i < side; i++) {
      const x0 = Math.floor(i * step);
      cell(j * side + i, y0, y1, x0, Math.max(x0 + 1, Math.floor((i + 1) * step)));
    }
  }
}

/**
 * Grayscale, centred on a square of the longer side (padded with the
 * border's mean colour), area-averaged down to `side` x `side`, and
 * inverted when the border is lighter than the middle (a photo of a dark
 * object on light paper), so it looks like Fashion-MNIST.
 */
export function toModelPixels(img: RawImage, side = 28): ModelPixels {
  checkImage(img);
  const { width, height } = img;
  const g = gray(img);
  // Border mean vs centre mean decides the polarity.
  let border = 0;
  let borderN = 0;
  let centre = 0;
  let centreN = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = g[y * width + x] ?? 0;
      const edge = x < width / 8 || x >= (7 * width) / 8 || y < height / 8 || y >= (7 * height) / 8;
      if (edge) {
        border += v;
        borderN++;
      } else {
        centre += v;
        centreN++;
      }
    }
  }
  const borderMean = borderN ? border / borderN : 0;
  const inverted = borderMean > (centreN ? centre / centreN : 0);
  // Area-average onto side x side over the centred square of the longer side.
  const s = Math.max(width, height);
  const ox = (s - width) / 2;
  const oy = (s - height) / 2;
  const out = new Uint8Array(side * side);
  forEachCell(s, side, (k, y0, y1, x0, x1) => {
    let sum = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const sx = x - ox;
        const sy = y - oy;
        const inside = sx >= 0 && sx < width && sy >= 0 && sy < height;
        sum += inside ? (g[Math.floor(sy) * width + Math.floor(sx)] ?? 0) : borderMean;
      }
    }
    const v = sum / ((y1 - y0) * (x1 - x0));
    out[k] = Math.max(0, Math.min(255, Math.round(inverted ? 255 - v : v)));
  });
  return { pixels: out, inverted };
}

/**
 * Turns any image into a colour model's input: its centred square (a camera
 * frame's middle, as the composed training frames fill theirs), area-averaged
 * down to `side` x `side` RGB bytes, transparent pixels on white.
 */
export function toColourPixels(img: RawImage, side: number): ModelPixels {
  const { data, width, height, channels } = img;
  checkImage(img);
  const s = Math.min(width, height);
  const ox = Math.floor((width - s) / 2);
  const oy = Math.floor((height - s) / 2);
  const out = new Uint8Array(side * side * 3);
  const sum = [0, 0, 0];
  forEachCell(s, side, (k, y0, y1, x0, x1) => {
    sum.fill(0);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const o = ((oy + y) * width + ox + x) * channels;
        const a = channels === 4 ? (data[o + 3] ?? 255) / 255 : 1;
        for (let c = 0; c < 3; c++) {
          const v = channels === 1 ? (data[o] ?? 0) : (data[o + c] ?? 0);
          sum[c] = (sum[c] as number) + a * v + (1 - a) * 255;
        }
      }
    }
    const n = (y1 - y0) * (x1 - x0);
    for (let c = 0; c < 3; c++) out[k * 3 + c] = Math.round((sum[c] as number) / n);
  });
  return { pixels: out, inverted: false };
}

/** The model's input from any image: grey and Fashion-MNIST-like, or a colour frame. */
export function toInputPixels(img: RawImage, input: readonly number[]): ModelPixels {
  const [side = 28, , channels = 1] = input;
  return channels === 3 ? toColourPixels(img, side) : toModelPixels(img, side);
}
