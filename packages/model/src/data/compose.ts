import jpeg from 'jpeg-js';
import { type Rng, seededRng } from '../random';
import type { Dataset } from './dataset';

/**
 * Camera-like colour frames composed from 28x28 grey Fashion-MNIST items.
 *
 * Each frame: a crop of a cluttered colour scene, the item tinted and placed
 * at a random scale, position and small rotation, then lighting, colour
 * shift, blur, sensor noise and a JPEG round trip. Everything is driven by a
 * seed, so a frame is a pure function of (item, scene bank, seed).
 *
 * Scenes come from a bank made once per split from the split's own seeds:
 * test frames sit on scenes never seen in training.
 */

/** What defines a composed data set; recorded in the manifest of a model trained on it. */
export interface CompositionSpec {
  /** Version of this generator: frames of one version are reproducible. */
  generator: 'edgent-compose/1';
  /** Frame side in pixels (frames are square, RGB). */
  size: number;
  /** Seed of this split's scene bank. */
  sceneSeed: number;
  /** Scenes in the bank. */
  scenes: number;
  /** Seed the per-frame seeds are derived from. */
  seed: number;
  /** Item side as a share of the frame side, [min, max]. */
  scale: [number, number];
  /** Largest rotation either way, degrees. */
  rotationDeg: number;
  /** JPEG quality of the round trip, [min, max]. */
  jpegQuality: [number, number];
}

/** The training split's composition (the per-frame seed also takes the epoch). */
export const TRAIN_COMPOSITION: Readonly<CompositionSpec> = Object.freeze<CompositionSpec>({
  generator: 'edgent-compose/1',
  size: 64,
  sceneSeed: 1001,
  scenes: 96,
  seed: 17,
  scale: [0.6, 0.95],
  rotationDeg: 15,
  jpegQuality: [40, 95],
});

/** The test split's composition: other scenes and other seeds than training. */
export const TEST_COMPOSITION: Readonly<CompositionSpec> = Object.freeze({
  ...TRAIN_COMPOSITION,
  sceneSeed: 2002,
  scenes: 32,
  seed: 29,
});

const SCENE_SIDE = 128;
const ITEM_SIDE = 28;

/** A 31-bit hash of integers, for deriving per-frame seeds. */
function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d) >>> 0;
    h ^= h >>> 12;
  }
  return h & 0x7fffffff;
}

const clamp255 = (v: number) => Math.min(255, Math.max(0, v));

/** One cluttered RGB scene of SCENE_SIDE^2 pixels, made from `rng`. */
function makeScene(rng: Rng): Float32Array {
  const n = SCENE_SIDE;
  const out = new Float32Array(n * n * 3);
  // A smooth two-colour gradient at a random angle.
  const c0 = [rng() * 255, rng() * 255, rng() * 255];
  const c1 = [rng() * 255, rng() * 255, rng() * 255];
  const angle = rng() * 2 * Math.PI;
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  // A periodic texture (stripes or a checker-like weave).
  const freq = 0.05 + rng() * 0.4;
  const tAngle = rng() * Math.PI;
  const weave = rng() < 0.5;
  const tAmp = rng() * 50;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const t = ((x - n / 2) * ca + (y - n / 2) * sa) / n + 0.5;
      const u = x * Math.cos(tAngle) + y * Math.sin(tAngle);
      const v = -x * Math.sin(tAngle) + y * Math.cos(tAngle);
      const tex = tAmp * (weave ? Math.sin(u * freq) * Math.sin(v * freq) : Math.sin(u * freq));
      const k = (y * n + x) * 3;
      for (let c = 0; c < 3; c++) {
        out[k + c] = (c0[c] as number) * (1 - t) + (c1[c] as number) * t + tex;
      }
    }
  }
  // Clutter: filled rectangles and ellipses, some translucent.
  const shapes = 12 + Math.floor(rng() * 28);
  for (let s = 0; s < shapes; s++) {
    const colour = [rng() * 255, rng() * 255, rng() * 255];
    const alpha = 0.3 + rng() * 0.7;
    const cx = rng() * n;
    const cy = rng() * n;
    const rx = 2 + rng() * 24;
    const ry = 2 + rng() * 24;
    const ellipse = rng() < 0.5;
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(n, Math.ceil(cy + ry)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(n, Math.ceil(cx + rx)); x++) {
        if (ellipse && ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 1) continue;
        const k = (y * n + x) * 3;
        for (let c = 0; c < 3; c++) {
          out[k + c] = (out[k + c] as number) * (1 - alpha) + (colour[c] as number) * alpha;
        }
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = clamp255(out[i] as number);
  return out;
}

const banks = new Map<string, Float32Array[]>();

/** The scene bank of a composition, made once per process. */
export function sceneBank(spec: Pick<CompositionSpec, 'sceneSeed' | 'scenes'>): Float32Array[] {
  const key = `${spec.sceneSeed}/${spec.scenes}`;
  let bank = banks.get(key);
  if (!bank) {
    bank = Array.from({ length: spec.scenes }, (_, i) =>
      makeScene(seededRng(mixSeed(spec.sceneSeed, i))),
    );
    banks.set(key, bank);
  }
  return bank;
}

/** Pixel (x, y) of a 28x28 grey item, 0 outside it. */
function itemAt(item: ArrayLike<number>, x: number, y: number): number {
  return x < 0 || y < 0 || x >= ITEM_SIDE || y >= ITEM_SIDE
    ? 0
    : (item[y * ITEM_SIDE + x] as number);
}

/** Bilinear sample of a 28x28 grey item (values 0..255) at (x, y); 0 outside. */
function sampleItem(item: ArrayLike<number>, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  return (
    itemAt(item, x0, y0) * (1 - fx) * (1 - fy) +
    itemAt(item, x0 + 1, y0) * fx * (1 - fy) +
    itemAt(item, x0, y0 + 1) * (1 - fx) * fy +
    itemAt(item, x0 + 1, y0 + 1) * fx * fy
  );
}

/** Separable [1 2 1]/4 blur of an RGB float image along one axis, edges clamped. */
function blurAxis(src: Float32Array, dst: Float32Array, side: number, horizontal: boolean): void {
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const k = (y * side + x) * 3;
      const step = horizontal ? 3 : side * 3;
      const before = (horizontal ? x : y) > 0 ? k - step : k;
      const after = (horizontal ? x : y) < side - 1 ? k + step : k;
      for (let c = 0; c < 3; c++) {
        dst[k + c] =
          0.25 * (src[before + c] as number) +
          0.5 * (src[k + c] as number) +
          0.25 * (src[after + c] as number);
      }
    }
  }
}

/** 3x3 binomial blur of an RGB float image in place. */
function blur(img: Float32Array, side: number): void {
  const tmp = new Float32Array(img.length);
  blurAxis(img, tmp, side, true);
  blurAxis(tmp, img, side, false);
}

/** Adds Gaussian noise of standard deviation `sd` to every value (Box-Muller, both outputs used). */
function addNoise(img: Float32Array, sd: number, rng: Rng): void {
  for (let i = 0; i < img.length; i += 2) {
    const r = sd * Math.sqrt(-2 * Math.log(1 - rng()));
    const a = 2 * Math.PI * rng();
    img[i] = (img[i] as number) + r * Math.cos(a);
    if (i + 1 < img.length) img[i + 1] = (img[i + 1] as number) + r * Math.sin(a);
  }
}

/**
 * Composes one frame: `item` (28x28 grey, 0..255) on a scene of `spec`'s
 * bank, driven by `seed`. Returns `size * size * 3` RGB bytes, row-major.
 *
 * @example const rgb = composeFrame(item, TEST_COMPOSITION, frameSeed(TEST_COMPOSITION, 7));
 */
export function composeFrame(
  item: ArrayLike<number>,
  spec: Readonly<CompositionSpec>,
  seed: number,
): Uint8Array {
  const rng = seededRng(seed);
  const side = spec.size;
  const bank = sceneBank(spec);
  const scene = bank[Math.floor(rng() * bank.length)] as Float32Array;
  // A random crop of the scene, scaled to the frame, maybe mirrored.
  const crop = SCENE_SIDE * (0.4 + rng() * 0.6);
  const ox = rng() * (SCENE_SIDE - crop);
  const oy = rng() * (SCENE_SIDE - crop);
  const mirror = rng() < 0.5;
  const img = new Float32Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const sx = Math.min(
        SCENE_SIDE - 1,
        Math.floor(ox + ((mirror ? side - 1 - x : x) * crop) / side),
      );
      const sy = Math.min(SCENE_SIDE - 1, Math.floor(oy + (y * crop) / side));
      const s = (sy * SCENE_SIDE + sx) * 3;
      const k = (y * side + x) * 3;
      img[k] = scene[s] as number;
      img[k + 1] = scene[s + 1] as number;
      img[k + 2] = scene[s + 2] as number;
    }
  }
  // The item: tinted, scaled, rotated and placed so that it stays in the frame.
  const [smin, smax] = spec.scale;
  const itemSide = side * (smin + rng() * (smax - smin));
  const theta = ((rng() * 2 - 1) * spec.rotationDeg * Math.PI) / 180;
  const margin = side - itemSide;
  const cx = itemSide / 2 + rng() * margin;
  const cy = itemSide / 2 + rng() * margin;
  const tint = [0.35 + rng() * 0.65, 0.35 + rng() * 0.65, 0.35 + rng() * 0.65];
  const bright = rng() < 0.5;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const unit = ITEM_SIDE / itemSide;
  // The rotated item lies within half its diagonal of its centre.
  const reach = (itemSide * Math.SQRT2) / 2 + 1;
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(side, Math.ceil(cy + reach));
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(side, Math.ceil(cx + reach));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const ix = (cos * dx + sin * dy) * unit + ITEM_SIDE / 2 - 0.5;
      const iy = (-sin * dx + cos * dy) * unit + ITEM_SIDE / 2 - 0.5;
      if (ix < -1 || iy < -1 || ix > ITEM_SIDE || iy > ITEM_SIDE) continue;
      const v = sampleItem(item, ix, iy) / 255;
      if (v <= 0) continue;
      const alpha = Math.min(1, v * 3);
      const shade = bright ? 0.35 + 0.65 * v : 1 - 0.65 * v;
      const k = (y * side + x) * 3;
      for (let c = 0; c < 3; c++) {
        const fg = 255 * shade * (tint[c] as number);
        img[k + c] = (img[k + c] as number) * (1 - alpha) + fg * alpha;
      }
    }
  }
  // Lighting: gain, a gradient across the frame, and a colour cast.
  const gain = 0.7 + rng() * 0.6;
  const gx = (rng() * 2 - 1) * 0.3;
  const gy = (rng() * 2 - 1) * 0.3;
  const cast = [0.85 + rng() * 0.3, 0.85 + rng() * 0.3, 0.85 + rng() * 0.3];
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const light = gain * (1 + gx * (x / side - 0.5) + gy * (y / side - 0.5));
      const k = (y * side + x) * 3;
      for (let c = 0; c < 3; c++) img[k + c] = (img[k + c] as number) * light * (cast[c] as number);
    }
  }
  if (rng() < 0.5) blur(img, side);
  addNoise(img, rng() * 8, rng);
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round(clamp255(img[i] as number));
  const [qmin, qmax] = spec.jpegQuality;
  const quality = Math.round(qmin + rng() * (qmax - qmin));
  return decodeJpeg(encodeJpeg(rgb, side, side, quality), { width: side, height: side }).rgb;
}

/** The seed of frame `index` of a split (`epoch` varies training frames between epochs). */
export function frameSeed(spec: Readonly<CompositionSpec>, index: number, epoch = 0): number {
  return mixSeed(spec.seed, index, epoch);
}

/**
 * Decodes a JPEG to RGB bytes. With `size`, throws unless the image is that
 * size, and refuses a larger one before decoding it (a bomb costs nothing).
 */
export function decodeJpeg(
  bytes: Uint8Array,
  size?: { width: number; height: number },
): { rgb: Uint8Array; width: number; height: number } {
  const img = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: size ? (size.width * size.height) / 1e6 : 16,
    maxMemoryUsageInMB: 64,
  });
  if (size && (img.width !== size.width || img.height !== size.height)) {
    throw new RangeError(
      `JPEG is ${img.width}x${img.height}, expected ${size.width}x${size.height}`,
    );
  }
  return { rgb: img.data, width: img.width, height: img.height };
}

/** Encodes RGB bytes (`width * height * 3`) as a baseline JPEG of `quality` (1..100). */
export function encodeJpeg(
  rgb: Uint8Array,
  width: number,
  height: number,
  quality: number,
): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba[p * 4] = rgb[p * 3] as number;
    rgba[p * 4 + 1] = rgb[p * 3 + 1] as number;
    rgba[p * 4 + 2] = rgb[p * 3 + 2] as number;
    rgba[p * 4 + 3] = 255;
  }
  const out = jpeg.encode({ data: rgba, width, height }, quality).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A data set of frames composed from `source`'s 28x28 items by `spec`: one
 * frame per item, made when a batch is gathered.
 *
 * @example const test = composedDataset(loadFashionMnist({ split: 'test' }), TEST_COMPOSITION);
 */
export function composedDataset(source: Dataset, spec: Readonly<CompositionSpec>): Dataset {
  if (source.height !== 28 || source.width !== 28 || source.channels !== 1 || source.composition) {
    throw new RangeError(
      `frames are composed from 28x28x1 items; got ${source.height}x${source.width}x${source.channels}`,
    );
  }
  return {
    ...source,
    height: spec.size,
    width: spec.size,
    channels: 3,
    composition: { ...spec },
  };
}
