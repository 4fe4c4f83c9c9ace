/** Pure helpers between bytes, images and canvases (no DOM). */

/** Bytes of a base64 string (the gallery's pixels). */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The square image `pixels` hold: side x side grey bytes, or side x side x 3
 * RGB bytes (a colour model's input); undefined for any other length.
 */
export function squareOf(pixels: Uint8Array): { side: number; channels: 1 | 3 } | undefined {
  const grey = Math.round(Math.sqrt(pixels.length));
  if (grey * grey === pixels.length) return { side: grey, channels: 1 };
  const rgb = Math.round(Math.sqrt(pixels.length / 3));
  if (rgb * rgb * 3 === pixels.length) return { side: rgb, channels: 3 };
  return undefined;
}

/** RGB bytes as opaque RGBA, for putImageData. */
export function rgbToRgba(rgb: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const n = rgb.length / 3;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    out[4 * i] = rgb[3 * i] ?? 0;
    out[4 * i + 1] = rgb[3 * i + 1] ?? 0;
    out[4 * i + 2] = rgb[3 * i + 2] ?? 0;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Grayscale bytes as opaque RGBA, for putImageData. */
export function grayToRgba(gray: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(gray.length * 4);
  for (let i = 0; i < gray.length; i++) {
    const v = gray[i] ?? 0;
    out[4 * i] = v;
    out[4 * i + 1] = v;
    out[4 * i + 2] = v;
    out[4 * i + 3] = 255;
  }
  return out;
}

/**
 * The size to draw a `width` x `height` image at so that its longer side is
 * at most `max` (never enlarged; at least 1 x 1), keeping its aspect ratio.
 * Big photos are drawn small before `toModelPixels` averages them to 28x28.
 */
export function fitWithin(
  width: number,
  height: number,
  max: number,
): { width: number; height: number } {
  if (!(width > 0 && height > 0 && max > 0)) {
    throw new RangeError(`fitWithin needs positive sizes, got ${width}x${height} within ${max}`);
  }
  const scale = Math.min(1, max / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** The centred square of a `width` x `height` frame: its offset and side (a camera frame's middle). */
export function centreSquare(
  width: number,
  height: number,
): { x: number; y: number; side: number } {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), side };
}

/** Image types an upload may have (what createImageBitmap decodes everywhere the page runs). */
const UPLOAD_TYPES: readonly string[] = Object.freeze(['image/png', 'image/jpeg', 'image/webp']);

/** Whether a file of this MIME type (and name) is one the page reads. */
export function isUploadType(type: string, name = ''): boolean {
  if (UPLOAD_TYPES.includes(type.toLowerCase())) return true;
  // Some systems give no type; trust a known extension then.
  return type === '' && /\.(png|jpe?g|webp)$/i.test(name);
}
