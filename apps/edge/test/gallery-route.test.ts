import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  composeFrame,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  frameSeed,
  loadFashionMnist,
  TEST_COMPOSITION,
} from '@edgent/model/node';
import type { GalleryAnswer } from '@edgent/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../src/error-handler.js';
import { buildApp } from '../src/index.js';
import { galleryRoutes } from '../src/routes/gallery.js';

const apps: FastifyInstance[] = [];
const haveData = existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function serve(dir?: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  apps.push(app);
  installErrorHandler(app);
  await app.register(galleryRoutes(dir ? { dir } : {}));
  return app;
}

describe('GET /api/gallery', () => {
  it.skipIf(!haveData)('answers the first 24 test images as 28x28 bytes with labels', async () => {
    const app = await buildApp({ logger: false, workers: 0, webRoot: '/nonexistent' });
    apps.push(app);
    const res = await app.inject({ method: 'GET', url: '/api/gallery' });
    expect(res.statusCode).toBe(200);
    const body = res.json<GalleryAnswer>();
    expect(body.items).toHaveLength(24);
    expect(body.classes).toEqual(FASHION_MNIST_CLASSES);
    const ds = loadFashionMnist({ split: 'test', limit: 3 });
    for (let i = 0; i < 3; i++) {
      const item = body.items[i];
      const pixels = Buffer.from(item?.pixels ?? '', 'base64');
      expect(pixels).toHaveLength(784);
      expect(item?.label).toBe(ds.labels[i]);
      expect(item?.className).toBe(FASHION_MNIST_CLASSES[ds.labels[i] as number]);
      expect(pixels[400]).toBe(ds.images[784 * i + 400]);
    }
  });

  it.skipIf(!haveData)(
    'takes n up to 100 and refuses other n with EDGENT_ERR_BAD_QUERY',
    async () => {
      const app = await serve();
      const five = await app.inject({ method: 'GET', url: '/api/gallery?n=5' });
      expect(five.json<GalleryAnswer>().items.map((x) => x.index)).toEqual([0, 1, 2, 3, 4]);
      const hundred = await app.inject({ method: 'GET', url: '/api/gallery?n=100' });
      expect(hundred.json<GalleryAnswer>().items).toHaveLength(100);
      for (const n of ['0', '101', '2.5', 'many']) {
        const bad = await app.inject({ method: 'GET', url: `/api/gallery?n=${n}` });
        expect(bad.statusCode).toBe(400);
        expect(bad.json()).toMatchObject({ code: 'EDGENT_ERR_BAD_QUERY' });
        expect(bad.json().message).toContain(`"${n}"`);
      }
    },
  );

  it.skipIf(!haveData)(
    'answers the composed test frames (frames=composed) as eval composes them, and refuses other frames',
    async () => {
      const app = await serve();
      const res = await app.inject({ method: 'GET', url: '/api/gallery?n=3&frames=composed' });
      const body = res.json<GalleryAnswer>();
      expect(body).toMatchObject({
        dataset: 'fashion-mnist-composed',
        width: 64,
        height: 64,
        channels: 3,
      });
      const ds = loadFashionMnist({ split: 'test', limit: 3 });
      for (let i = 0; i < 3; i++) {
        const grey = ds.images.subarray(784 * i, 784 * (i + 1));
        const want = composeFrame(grey, TEST_COMPOSITION, frameSeed(TEST_COMPOSITION, i));
        expect(Buffer.from(body.items[i]?.pixels ?? '', 'base64').equals(Buffer.from(want))).toBe(
          true,
        );
        expect(body.items[i]?.label).toBe(ds.labels[i]);
      }
      const bad = await app.inject({ method: 'GET', url: '/api/gallery?frames=jpeg' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toBe('frames must be one of raw, composed, got "jpeg"');
    },
  );

  it('answers 503 with the loader code when the data set is missing', async () => {
    const app = await serve('/nonexistent/fashion-mnist');
    const res = await app.inject({ method: 'GET', url: '/api/gallery?n=3' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ statusCode: 503, code: 'EDGENT_ERR_DATASET_MISSING' });
    expect(res.json().message).toContain('/nonexistent/fashion-mnist');
  });
});
