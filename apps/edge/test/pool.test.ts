import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeModel,
  disposeModel,
  inputTensor,
  loadFashionMnist,
  type MultiExitModel,
  modelFromWeights,
  readModelDir,
  runSlice,
  tf,
  useBackend,
} from '@edgent/model/node';
import { type DType, encodeTensor, type TensorDType } from '@edgent/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeError } from '../src/errors.js';
import { defaultModelDir } from '../src/paths.js';
import { InferencePool } from '../src/pool/index.js';

type PoolRequest = Parameters<InferencePool['run']>[0];

const BATCH = 3;
let model: MultiExitModel;
let images: Uint8Array; // BATCH Fashion-MNIST test images, raw bytes
let pool: InferencePool; // 2 workers, backend 'auto' (wasm here: tfjs-node is not installed)
let small: InferencePool; // 1 worker on 'cpu', maxQueue 1: queue limits, aborts, close

beforeAll(async () => {
  await useBackend('wasm');
  const { manifest, weights } = await readModelDir(defaultModelDir);
  model = modelFromWeights(manifest.architecture, weights);
  images = loadFashionMnist({ split: 'test', limit: BATCH }).images;
  [pool, small] = await Promise.all([
    InferencePool.start({ modelDir: defaultModelDir, workers: 2 }),
    InferencePool.start({
      modelDir: defaultModelDir,
      workers: 1,
      maxQueue: 1,
      tasksPerWorker: 1,
      backend: 'cpu',
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([pool?.close(), small?.close()]);
  if (model) disposeModel(model);
});

const pathLength = (exit: number) => describeModel(model.spec)[exit]?.layers.length ?? 0;

/** The raw images as the device sends them at partition 0: uint8 pixels 0..255, `copies` times. */
function rawRequest(exit: number, copies = 1): PoolRequest {
  const payload = new Uint8Array(images.length * copies);
  for (let c = 0; c < copies; c++) payload.set(images, c * images.length);
  return { exit, partition: 0, dtype: 'uint8', shape: [BATCH * copies, 28, 28, 1], payload };
}

/** Layers [0, p) of the exit run here, and their output encoded as `dtype`. */
function headRequest(exit: number, partition: number, dtype: TensorDType = 'float32'): PoolRequest {
  if (partition === 0 && dtype === 'uint8') return rawRequest(exit);
  const x = inputTensor(model.spec, images);
  const head = runSlice(model, exit, 0, partition, x);
  const encoded = encodeTensor(head.dataSync() as Float32Array, head.shape, dtype);
  tf.dispose([x, head]);
  return { exit, partition, ...encoded, shape: [...encoded.shape] };
}

/** The whole path of `exit`, run here: what every partition must give back. */
function wholePath(exit: number): Float32Array {
  const x = inputTensor(model.spec, images);
  const y = runSlice(model, exit, 0, pathLength(exit), x);
  const scores = y.dataSync() as Float32Array;
  tf.dispose([x, y]);
  return scores;
}

/** Largest difference, relative to the largest magnitude in `want` (at least 1). */
function relDiff(got: Float32Array, want: Float32Array): number {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs((got[i] ?? Number.NaN) - (want[i] ?? 0)));
    scale = Math.max(scale, Math.abs(want[i] ?? 0));
  }
  return Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / scale;
}

function argmaxRows(scores: Float32Array, classes = 10): number[] {
  const rows: number[] = [];
  for (let r = 0; r < scores.length / classes; r++) {
    const row = scores.subarray(r * classes, (r + 1) * classes);
    rows.push(row.indexOf(Math.max(...row)));
  }
  return rows;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeError);
    return (error as EdgeError).code;
  }
  throw new Error('expected a rejection');
}

function expectNoLeaks(p: InferencePool): void {
  for (const s of p.workerStats()) expect(s.tensors, `worker ${s.worker}`).toBe(s.tensorsAtStart);
}

describe('InferencePool', () => {
  it('starts the workers it was asked for, each on a named backend, with the model identity', async () => {
    const { manifest } = await readModelDir(defaultModelDir);
    expect(pool.workers).toBe(2);
    expect(pool.backends).toEqual(['wasm', 'wasm']);
    expect(small.backends).toEqual(['cpu']);
    expect(pool.modelId).toBe(manifest.id);
    expect(pool.modelHash).toBe(manifest.hash);
    expect(pool.workerStats().map((s) => s.worker)).toEqual([0, 1]);
  });

  it('gives the whole path’s scores from every exit and partition (raw uint8 at 0, float32 heads)', async () => {
    const jobs: Promise<void>[] = [];
    for (let exit = 0; exit < model.spec.exits.length; exit++) {
      const want = wholePath(exit);
      for (let p = 0; p <= pathLength(exit); p++) {
        const request = p === 0 ? rawRequest(exit) : headRequest(exit, p);
        jobs.push(
          pool.run(request).then((result) => {
            expect(result.shape, `exit ${exit} p ${p}`).toEqual([BATCH, model.spec.classes]);
            expect(relDiff(result.scores, want), `exit ${exit} p ${p}`).toBeLessThanOrEqual(1e-4);
            expect(result.timing.decodeMs).toBeGreaterThanOrEqual(0);
            expect(result.timing.computeMs).toBeGreaterThanOrEqual(0);
          }),
        );
      }
    }
    expect(jobs.length).toBe(68); // B-AlexNet paths of 6, 9, 12, 14 and 22 layers
    await Promise.all(jobs);
    expectNoLeaks(pool);
  });

  it('decodes float16 and int8 heads at every partition to close scores with the same classes', async () => {
    const jobs: Promise<void>[] = [];
    for (let exit = 0; exit < model.spec.exits.length; exit++) {
      const want = wholePath(exit);
      for (let p = 0; p <= pathLength(exit); p++) {
        for (const [dtype, tolerance] of [
          ['float16', 2e-3],
          ['int8', 3e-2],
        ] as const) {
          jobs.push(
            pool.run(headRequest(exit, p, dtype)).then(({ scores }) => {
              const where = `${dtype} exit ${exit} p ${p}`;
              expect(relDiff(scores, want), where).toBeLessThan(tolerance);
              expect(argmaxRows(scores), where).toEqual(argmaxRows(want));
            }),
          );
        }
      }
    }
    await Promise.all(jobs);
  });

  it('runs on the cpu backend when asked, to the wasm scores within 1e-3', async () => {
    const result = await small.run(rawRequest(4));
    expect(result.worker).toBe(0);
    expect(relDiff(result.scores, wholePath(4))).toBeLessThan(1e-3);
  });

  it('rejects bad requests with their stable codes, and keeps serving without leaking', async () => {
    const good = rawRequest(2);
    const n = pathLength(2);
    const bad: [Partial<PoolRequest>, string][] = [
      [{ exit: 7 }, 'EDGENT_ERR_BAD_EXIT'],
      [{ exit: 1.5 }, 'EDGENT_ERR_BAD_EXIT'],
      [{ partition: 99 }, 'EDGENT_ERR_BAD_PARTITION'],
      [{ partition: -1 }, 'EDGENT_ERR_BAD_PARTITION'],
      [{ shape: [BATCH, 14, 14, 1] }, 'EDGENT_ERR_BAD_INPUT_SHAPE'],
      [{ shape: [0, 28, 28, 1], payload: new Uint8Array(0) }, 'EDGENT_ERR_BAD_INPUT_SHAPE'],
      [{ partition: 3 }, 'EDGENT_ERR_BAD_DTYPE'], // a raw (uint8) image where a feature map goes
      [{ dtype: 'int16' as DType }, 'EDGENT_ERR_BAD_DTYPE'],
      [{ payload: good.payload.subarray(1) }, 'EDGENT_ERR_TENSOR_SHAPE_MISMATCH'],
      [{ dtype: 'float32' }, 'EDGENT_ERR_TENSOR_SHAPE_MISMATCH'], // 1 byte per value, not 4
      [{ dtype: 'int8' }, 'EDGENT_ERR_TENSOR_BAD_QUANT'], // no scale, no zero point
    ];
    const codes = await Promise.all(
      bad.map(([change]) => codeOf(pool.run({ ...good, ...change }))),
    );
    expect(codes).toEqual(bad.map(([, code]) => code));

    const error = await pool.run({ ...good, partition: 9 + n }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'EDGENT_ERR_BAD_PARTITION',
      message: `partition ${9 + n} out of range for exit 2, which has partitions 0..${n}`,
    });
    const after = await Promise.all([pool.run(good), pool.run(good)]);
    for (const r of after) expect(relDiff(r.scores, wholePath(2))).toBeLessThanOrEqual(1e-4);
    expect(pool.workers).toBe(2);
    expect(pool.workerStats().map((s) => s.worker)).toEqual([0, 1]); // no worker was replaced
    expectNoLeaks(pool);
  });

  it('queues requests beyond the busy workers and finishes them all, on both workers', async () => {
    const request = rawRequest(4);
    const jobs = Array.from({ length: 12 }, () => pool.run(request));
    // Two tasks handed to each of the 2 workers (tasksPerWorker 2), the rest waiting.
    expect(pool.running).toBe(4);
    expect(pool.queueDepth).toBe(8);
    const results = await Promise.all(jobs);
    expect(pool.queueDepth).toBe(0);
    expect(pool.running).toBe(0);
    expect(new Set(results.map((r) => r.worker))).toEqual(new Set([0, 1]));
    // The last ones waited for earlier ones to run: queue time is measured across threads.
    const longestWait = Math.max(...results.map((r) => r.timing.queueMs));
    expect(longestWait).toBeGreaterThan(Math.min(...results.map((r) => r.timing.computeMs)));
    expect(results.every((r) => r.timing.queueMs >= 0)).toBe(true);
  });

  it('rejects with EDGENT_ERR_BUSY past maxQueue waiting requests', async () => {
    const request = rawRequest(0);
    const running = small.run(request);
    const waiting = small.run(request);
    expect(small.queueDepth).toBe(1);
    expect(await codeOf(small.run(request))).toBe('EDGENT_ERR_BUSY');
    await Promise.all([running, waiting]);
    await expect(small.run(request)).resolves.toMatchObject({ worker: 0 });
  });

  it('aborts waiting and running requests without losing the worker', async () => {
    const request = rawRequest(1);
    const already = new AbortController();
    already.abort();
    expect(await codeOf(small.run(request, already.signal))).toBe('EDGENT_ERR_ABORTED');

    const tasksBefore = small.workerStats()[0]?.tasks ?? 0;
    const running = new AbortController();
    const waiting = new AbortController();
    const first = codeOf(small.run(rawRequest(4, 4), running.signal)); // long: caught running
    const second = codeOf(small.run(request, waiting.signal));
    expect(small.queueDepth).toBe(1);
    waiting.abort();
    expect(small.queueDepth).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the worker takes the first
    running.abort();
    expect(await second).toBe('EDGENT_ERR_ABORTED');
    expect(await first).toBe('EDGENT_ERR_ABORTED');

    const next = await small.run(request);
    expect(next.worker).toBe(0);
    expect(small.workerStats()).toHaveLength(1);
    expect(small.workerStats()[0]?.tasks).toBe(tasksBefore + 3); // aborted, skipped, ran
    expectNoLeaks(small);
  });

  it('closes: running requests finish, waiting ones and later ones reject with EDGENT_ERR_CLOSED', async () => {
    const request = rawRequest(3);
    const running = small.run(request);
    const waiting = codeOf(small.run(request));
    const closing = small.close();
    expect(await codeOf(small.run(request))).toBe('EDGENT_ERR_CLOSED');
    await expect(running).resolves.toMatchObject({ shape: [BATCH, 10] });
    expect(await waiting).toBe('EDGENT_ERR_CLOSED');
    await closing;
    await small.close();
    expect(await codeOf(small.run(request))).toBe('EDGENT_ERR_CLOSED');
    expect(small.running).toBe(0);
    expect(small.queueDepth).toBe(0);
  });
});

describe('InferencePool.start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgent-pool-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects bad options, naming the option', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ workers: 0 }, /workers must be an integer >= 1.*; received 0 \(number\)/],
      [{ maxQueue: -1 }, /maxQueue/],
      [{ backend: 'gpu' }, /backend must be one of 'auto', 'wasm', 'cpu'; received "gpu"/],
      [{ threads: 2 }, /unknown pool option threads/],
    ];
    for (const [extra, message] of cases) {
      const error = await InferencePool.start({ modelDir: defaultModelDir, ...extra }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({
        code: 'EDGENT_ERR_BAD_OPTION',
        message: expect.stringMatching(message),
      });
    }
  });

  it('rejects a model folder without a manifest, or with weights that do not match it', async () => {
    const missing = await InferencePool.start({ modelDir: dir }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'EDGENT_ERR_NO_MODEL' });
    expect((missing as Error).message).toContain(join(dir, 'manifest.json'));

    await copyFile(join(defaultModelDir, 'manifest.json'), join(dir, 'manifest.json'));
    const weights = await readFile(join(defaultModelDir, 'weights.bin'));
    await writeFile(join(dir, 'weights.bin'), weights.subarray(0, 100));
    expect(await codeOf(InferencePool.start({ modelDir: dir }))).toBe('EDGENT_ERR_BAD_WEIGHTS');

    const changed = Buffer.from(weights);
    changed[0] = (changed[0] ?? 0) ^ 0xff;
    await writeFile(join(dir, 'weights.bin'), changed);
    expect(await codeOf(InferencePool.start({ modelDir: dir }))).toBe('EDGENT_ERR_HASH_MISMATCH');
  });
});
