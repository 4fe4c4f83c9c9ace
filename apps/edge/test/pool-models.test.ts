import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeJpeg,
  describeModel,
  disposeModel,
  encodeJpeg,
  encodeWeights,
  initialWeights,
  inputTensor,
  type ModelSpec,
  modelFromWeights,
  runSlice,
  seededRng,
  tf,
  tinyMultiExit,
  useBackend,
  writeModelDir,
} from '@edgent/model/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelDir } from '../src/paths.js';
import { InferencePool } from '../src/pool/index.js';

// The shipped grey model as the default, and a tiny colour model beside it.
const rgb: ModelSpec = { ...tinyMultiExit(3, [16, 16, 3]), id: 'tiny-rgb' };
const weights = initialWeights(rgb, seededRng(3));
let dir: string;
let pool: InferencePool;

/** A 16x16 colour frame with some structure, and its JPEG. */
const frame = Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * 37 + (i % 7) * 19) % 256);
const jpeg = encodeJpeg(frame, 16, 16, 90);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgent-rgb-'));
  const { manifest, bytes } = await encodeWeights(rgb, weights);
  await writeModelDir(dir, manifest, bytes);
  pool = await InferencePool.start({
    modelDir: defaultModelDir,
    moreModelDirs: [dir],
    workers: 1,
    backend: 'cpu',
  });
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await rm(dir, { recursive: true, force: true });
});

const request = (over: Partial<Parameters<InferencePool['run']>[0]> = {}) => ({
  model: 'tiny-rgb',
  exit: 1,
  partition: 0,
  dtype: 'jpeg' as const,
  shape: [1, 16, 16, 3],
  payload: jpeg,
  ...over,
});

const codeOf = async (p: Promise<unknown>) =>
  (await p.then(
    () => 'resolved',
    (e) => e.code,
  )) as string;

describe('an edge with several models', () => {
  it('holds every model, the default first, and runs the one a request names', async () => {
    expect(pool.models.map((m) => m.id)).toEqual(['b-alexnet-fmnist', 'tiny-rgb']);
    expect(pool.modelId).toBe('b-alexnet-fmnist');
    const out = await pool.run(request());
    expect(out.shape).toEqual([1, 3]);
    expect(await codeOf(pool.run(request({ model: 'nope' })))).toBe('EDGENT_ERR_MODEL_MISMATCH');
  });

  it('decodes a JPEG frame at partition 0 to the logits of the whole path on the decoded frame', async () => {
    await useBackend('cpu');
    const model = modelFromWeights(rgb, weights);
    const decoded = decodeJpeg(jpeg, { width: 16, height: 16 }).rgb;
    for (const path of describeModel(rgb)) {
      const x = inputTensor(rgb, decoded);
      const want = runSlice(model, path.exit, 0, path.layers.length, x);
      const got = await pool.run(request({ exit: path.exit }));
      const w = want.dataSync();
      for (let i = 0; i < w.length; i++) {
        expect(Math.abs((got.scores[i] as number) - (w[i] as number))).toBeLessThan(1e-4);
      }
      tf.dispose([x, want]);
    }
    disposeModel(model);
  });

  it('refuses a JPEG anywhere but as the input of a colour model, and one that does not decode to the frame', async () => {
    expect(await codeOf(pool.run(request({ partition: 1 })))).toBe('EDGENT_ERR_BAD_DTYPE');
    expect(
      await codeOf(pool.run(request({ model: 'b-alexnet-fmnist', shape: [1, 28, 28, 1] }))),
    ).toBe('EDGENT_ERR_BAD_DTYPE');
    expect(await codeOf(pool.run(request({ payload: Uint8Array.from([1, 2, 3]) })))).toBe(
      'EDGENT_ERR_TENSOR_SHAPE_MISMATCH',
    );
    const big = encodeJpeg(new Uint8Array(32 * 32 * 3), 32, 32, 90);
    const refused = pool.run(request({ payload: big }));
    await expect(refused).rejects.toMatchObject({ code: 'EDGENT_ERR_TENSOR_SHAPE_MISMATCH' });
    // Still serving, leaking nothing.
    await pool.run(request());
    const [stats] = pool.workerStats();
    expect(stats?.tensors).toBe(stats?.tensorsAtStart);
  });

  it('serves a folder given twice once, and refuses two folders that hold the same model', async () => {
    const twice = await InferencePool.start({
      modelDir: dir,
      moreModelDirs: [`${dir}/.`],
      workers: 1,
      backend: 'cpu',
    });
    expect(twice.models.map((m) => m.id)).toEqual(['tiny-rgb']);
    await twice.close();
    const copy = await mkdtemp(join(tmpdir(), 'edgent-rgb-copy-'));
    const { manifest, bytes } = await encodeWeights(rgb, weights);
    await writeModelDir(copy, manifest, bytes);
    await expect(
      InferencePool.start({ modelDir: dir, moreModelDirs: [copy], workers: 1 }),
    ).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_OPTION',
      message: /two model folders hold model tiny-rgb/,
    });
    await rm(copy, { recursive: true, force: true });
  });
});
