/**
 * Co-inference on every shipped model through a real listen({ port: 0 }) edge
 * serving them all: for every exit and every cut, the class is the
 * device-only one and the logits match within 1e-4 with float32 payloads. A
 * colour model's frame crosses at partition 0 as JPEG; its reference is the
 * device running the whole path on the same decoded frame.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EdgeClient } from '@edgent/device';
import {
  composeFrame,
  decodeJpeg,
  describeModel,
  disposeModel,
  encodeJpeg,
  FRAME_JPEG_QUALITY,
  frameSeed,
  inputTensor,
  loadFashionMnist,
  type ModelManifest,
  type MultiExitModel,
  modelFromWeights,
  readModelDir,
  runSlice,
  TEST_COMPOSITION,
  tf,
  useBackend,
} from '@edgent/model/node';
import { encodeTensor } from '@edgent/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.js';
import { defaultModelDir } from '../src/paths.js';
import { listenWs, openChannel } from './listen.js';

const modelsRoot = join(defaultModelDir, '..');
const shipped = readdirSync(modelsRoot, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(modelsRoot, d.name));
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  await useBackend('wasm');
  app = await buildApp({
    modelDir: defaultModelDir,
    moreModelDirs: shipped,
    workers: 2,
    logger: false,
    profileFile: join(defaultModelDir, 'profiles', 'edge.json'),
    maxInFlight: 64,
  });
  url = await listenWs(app);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

async function connect(manifest: ModelManifest): Promise<EdgeClient> {
  return EdgeClient.connect(await openChannel(url), {
    model: { id: manifest.id, hash: manifest.hash },
    now: () => performance.now(),
  });
}

/** The test inputs of a model: 50 composed frames for a colour model, 10 images for a grey one. */
function inputsOf(manifest: ModelManifest): Uint8Array[] {
  const colour = manifest.architecture.input[2] === 3;
  const n = colour ? 50 : 10;
  const { images } = loadFashionMnist({ split: 'test', limit: n });
  return Array.from({ length: n }, (_, i) => {
    const grey = images.subarray(784 * i, 784 * (i + 1));
    return colour ? composeFrame(grey, TEST_COMPOSITION, frameSeed(TEST_COMPOSITION, i)) : grey;
  });
}

const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if ((xs[i] as number) > (xs[best] as number)) best = i;
  return best;
};

describe.each(shipped)('co-inference on the shipped model in %s', (dir) => {
  it('every exit and cut: the device-only class, logits within 1e-4 (float32; JPEG at 0)', async () => {
    const { manifest, weights } = await readModelDir(dir);
    const model: MultiExitModel = modelFromWeights(manifest.architecture, weights);
    const client = await connect(manifest);
    const spec = manifest.architecture;
    const [height = 0, width = 0, channels = 1] = spec.input;
    let requests = 0;
    try {
      for (const pixels of inputsOf(manifest)) {
        const jpeg =
          channels === 3 ? encodeJpeg(pixels, width, height, FRAME_JPEG_QUALITY) : undefined;
        const decoded = jpeg ? decodeJpeg(jpeg, { width, height }).rgb : undefined;
        for (const path of describeModel(spec)) {
          const n = path.layers.length;
          const x = inputTensor(spec, pixels);
          const reference = runSlice(model, path.exit, 0, n, x);
          const want = reference.dataSync() as Float32Array;
          let wantAtZero = want;
          if (decoded) {
            const xj = inputTensor(spec, decoded);
            const r0 = runSlice(model, path.exit, 0, n, xj);
            wantAtZero = (r0.dataSync() as Float32Array).slice();
            tf.dispose([xj, r0]);
          }
          for (let p = 0; p < n; p++) {
            let fields: Parameters<EdgeClient['request']>[0];
            if (p === 0) {
              fields = jpeg
                ? {
                    exit: path.exit,
                    partition: 0,
                    dtype: 'jpeg',
                    shape: [1, ...spec.input],
                    payload: jpeg,
                  }
                : {
                    exit: path.exit,
                    partition: 0,
                    dtype: 'uint8',
                    shape: [1, ...spec.input],
                    payload: pixels,
                  };
            } else {
              const head = runSlice(model, path.exit, 0, p, x);
              fields = {
                exit: path.exit,
                partition: p,
                ...encodeTensor(head.dataSync() as Float32Array, head.shape, 'float32'),
              };
              head.dispose();
            }
            const reply = await client.request(fields);
            requests++;
            const expected = p === 0 ? wantAtZero : want;
            const where = `${manifest.id} exit ${path.exit} cut ${p}`;
            expect(argmax(reply.scores), where).toBe(argmax(expected));
            let diff = 0;
            for (let i = 0; i < expected.length; i++) {
              diff = Math.max(
                diff,
                Math.abs((reply.scores[i] as number) - (expected[i] as number)),
              );
            }
            expect(diff, where).toBeLessThanOrEqual(1e-4);
          }
          tf.dispose([x, reference]);
        }
      }
    } finally {
      client.close();
      disposeModel(model);
    }
    expect(requests).toBeGreaterThan(0);
  }, 300_000);
});
