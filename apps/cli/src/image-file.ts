/**
 * Image files as `edgent device --image` reads them: PNG, JPEG and WebP (what
 * the page's upload takes from a phone), recognised by their signature, with
 * errors that say what is wrong with the file rather than what a decoder
 * tripped on.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RawImage } from '@edgent/device';
import { decodeJpeg } from '@edgent/model/node';
import { PNG } from 'pngjs';
import { UsageError } from './commands/train';

/** The formats read, by extension. */
const FORMATS = {
  '.png': 'PNG',
  '.jpg': 'JPEG',
  '.jpeg': 'JPEG',
  '.webp': 'WebP',
} as const;
type Format = (typeof FORMATS)[keyof typeof FORMATS];

/** The extensions read, for messages: ".png, .jpg, .jpeg and .webp". */
const IMAGE_EXTENSIONS = Object.keys(FORMATS)
  .join(', ')
  .replace(/, ([^,]*)$/, ' and $1');

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  prefix.every((b, i) => bytes[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Whether `bytes` carry the signature of `format`. */
function hasSignature(bytes: Uint8Array, format: Format): boolean {
  switch (format) {
    case 'PNG':
      return startsWith(bytes, [0x89, ...ascii('PNG\r\n\x1a\n')]);
    case 'JPEG':
      return startsWith(bytes, [0xff, 0xd8, 0xff]);
    case 'WebP':
      return startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8);
  }
}

/** Decoded pixels as @jsquash/webp gives them (the DOM's ImageData, RGBA). */
interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Node's WebAssembly, which this project's TypeScript libs do not declare. */
const wasm = (
  globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }
).WebAssembly;

let webpDecode: ((bytes: ArrayBuffer) => Promise<Rgba>) | undefined;

/** libwebp's decoder (Squoosh's build, @jsquash/webp), its wasm loaded from the package. */
async function decodeWebp(file: Uint8Array): Promise<RawImage> {
  if (!webpDecode) {
    const require = createRequire(import.meta.url);
    const bytes = readFileSync(require.resolve('@jsquash/webp/codec/dec/webp_dec.wasm'));
    const mod = await import('@jsquash/webp/decode.js');
    await mod.init((await wasm.compile(bytes)) as never);
    webpDecode = mod.default;
  }
  const img = await webpDecode(file.slice().buffer);
  return {
    data: new Uint8Array(img.data.buffer),
    width: img.width,
    height: img.height,
    channels: 4,
  };
}

/** The format of an image file by its extension; a UsageError for one not read here. */
export function imageFormat(file: string): Format {
  const ext = file.slice(file.lastIndexOf('.')).toLowerCase();
  const format = FORMATS[ext as keyof typeof FORMATS];
  if (!format) {
    throw new UsageError(`--image ${file}: only ${IMAGE_EXTENSIONS} files are read`);
  }
  return format;
}

/** Decodes the image file `file` (its `bytes`); a UsageError names what is wrong with it. */
export async function decodeImageFile(file: string, bytes: Uint8Array): Promise<RawImage> {
  const format = imageFormat(file);
  if (bytes.length === 0) throw new UsageError(`--image ${file} is empty (0 bytes)`);
  if (!hasSignature(bytes, format)) {
    throw new UsageError(
      `--image ${file} is not a ${format} file: it does not start with the ${format} signature`,
    );
  }
  try {
    if (format === 'PNG') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { data: png.data, width: png.width, height: png.height, channels: 4 };
    }
    if (format === 'JPEG') {
      const img = decodeJpeg(bytes);
      return { data: img.rgb, width: img.width, height: img.height, channels: 3 };
    }
    return await decodeWebp(bytes);
  } catch (e) {
    throw new UsageError(
      `--image ${file} is a damaged ${format} file (${(e as Error).message || 'it does not decode'})`,
    );
  }
}
