import { CodedError } from '@edgent/errors';
import {
  composeFrame,
  DatasetError,
  FASHION_MNIST_CLASSES,
  frameSeed,
  loadFashionMnist,
  TEST_COMPOSITION,
} from '@edgent/model/node';
import type { GalleryAnswer, GalleryItem } from '@edgent/protocol';
import type { FastifyPluginAsync } from 'fastify';

/** Largest `n` of `GET /api/gallery`. */
const GALLERY_MAX = 100;
/** `n` when the query does not say. */
const GALLERY_DEFAULT = 24;

/** Options of {@link galleryRoutes}. */
export interface GalleryOptions {
  /** Folder of the Fashion-MNIST IDX files; default the Debian package's. */
  dir?: string;
}

/**
 * `GET /api/gallery?n=24`: the first `n` (1..100, default 24) Fashion-MNIST
 * test images as 28x28 uint8 base64 with their labels and class names, for
 * the page's gallery; with `frames=composed`, the camera model's composed test
 * frames of the same images (64x64x3, as `edgent eval` measures them). 400 `EDGENT_ERR_BAD_QUERY` for another `n`; 503 with
 * the loader's code (e.g. `EDGENT_ERR_DATASET_MISSING`) when the data set is
 * not installed. The images are read once and kept.
 *
 * @example await app.register(galleryRoutes());
 */
export function galleryRoutes(options: GalleryOptions = {}): FastifyPluginAsync {
  let cached: GalleryItem[] | undefined;
  let composed: GalleryItem[] | undefined;
  const load = (): GalleryItem[] => {
    if (cached) return cached;
    const ds = loadFashionMnist({
      split: 'test',
      limit: GALLERY_MAX,
      ...(options.dir ? { dir: options.dir } : {}),
    });
    const side = ds.width * ds.height;
    cached = Array.from({ length: ds.count }, (_, i) => {
      const pixels = ds.images.subarray(side * i, side * (i + 1));
      const label = ds.labels[i] as number;
      return {
        index: i,
        label,
        className: ds.classNames[label] ?? String(label),
        pixels: Buffer.from(pixels).toString('base64'),
      };
    });
    return cached;
  };
  const loadComposed = (): GalleryItem[] => {
    composed ??= load().map((item) => {
      const grey = Buffer.from(item.pixels, 'base64');
      const frame = composeFrame(grey, TEST_COMPOSITION, frameSeed(TEST_COMPOSITION, item.index));
      return { ...item, pixels: Buffer.from(frame).toString('base64') };
    });
    return composed;
  };

  return async (app) => {
    app.get<{ Querystring: { n: number; frames: 'raw' | 'composed' } }>(
      '/api/gallery',
      {
        schema: {
          querystring: {
            type: 'object',
            properties: {
              n: { type: 'integer', minimum: 1, maximum: GALLERY_MAX, default: GALLERY_DEFAULT },
              frames: { type: 'string', enum: ['raw', 'composed'], default: 'raw' },
            },
          },
        },
      },
      async (request) => {
        const { n, frames } = request.query;
        let items: GalleryItem[];
        try {
          items = frames === 'composed' ? loadComposed() : load();
        } catch (error) {
          if (!(error instanceof DatasetError)) throw error;
          throw new CodedError(
            error.code,
            `the gallery needs the Fashion-MNIST test set: ${error.message}`,
            { cause: error },
          );
        }
        const size = frames === 'composed' ? TEST_COMPOSITION.size : 28;
        const body: GalleryAnswer = {
          dataset: frames === 'composed' ? 'fashion-mnist-composed' : 'fashion-mnist',
          split: 'test',
          width: size,
          height: size,
          channels: frames === 'composed' ? 3 : 1,
          classes: FASHION_MNIST_CLASSES,
          items: items.slice(0, n),
        };
        return body;
      },
    );
  };
}
