/**
 * The edge over real WebSockets: injectWS for the route, and a real
 * listen({ port: 0 }) with the `ws` client for co-inference on the shipped
 * model, link emulation, limits and metrics.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoInference, DeviceError, EdgeClient } from '@edgent/device';
import {
  type DeviceProfile,
  describeModel,
  disposeModel,
  inputTensor,
  loadFashionMnist,
  type ModelManifest,
  type MultiExitModel,
  modelFromWeights,
  readModelDir,
  runSlice,
  tf,
  useBackend,
} from '@edgent/model/node';
import { type Channel, encodeTensor, wsChannel } from '@edgent/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.js';
import { defaultModelDir } from '../src/paths.js';
import { listenWs, openChannel } from './listen.js';

const IMAGES = 100;
const shippedEdgeProfile = join(defaultModelDir, 'profiles', 'edge.json');
let app: FastifyInstance;
let url: string;
let manifest: ModelManifest;
let model: MultiExitModel;
let dir: string;
let images: Uint8Array;
let labels: Uint8Array;

beforeAll(async () => {
  await useBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'edgent-ws-'));
  await writeFile(join(dir, 'steady.tsv'), '0\t2\n1\t2\n');
  const read = await readModelDir(defaultModelDir);
  manifest = read.manifest;
  model = modelFromWeights(manifest.architecture, read.weights);
  ({ images, labels } = loadFashionMnist({ split: 'test', limit: IMAGES }));
  app = await buildApp({
    modelDir: defaultModelDir,
    workers: 2,
    logger: false,
    profileFile: shippedEdgeProfile,
    tracesDir: dir,
    // 100 images at the widest cut are 10 MB of float32.
    maxPayloadBytes: 16 * 2 ** 20,
    maxBatch: IMAGES,
    cacheDir: dir,
  });
  url = await listenWs(app);
}, 120_000);

afterAll(async () => {
  await app?.close();
  if (model) disposeModel(model);
  await rm(dir, { recursive: true, force: true });
});

const open = (target = url, headers: Record<string, string> = {}) => openChannel(target, headers);

const connect = (channel: Channel) =>
  EdgeClient.connect(channel, {
    model: { id: manifest.id, hash: manifest.hash },
    now: () => performance.now(),
  });

/** The raw 0..255 pixels of the first `n` test images, as the device sends them at partition 0. */
function rawPixels(n: number): Uint8Array {
  return images.subarray(0, n * 784);
}

describe('/ws on the shipped model', () => {
  it('injectWS: hello, then a request answered with scores and edge times', async () => {
    const socket = await app.injectWS('/ws');
    const client = await connect(wsChannel(socket as never));
    expect(client.hello).toMatchObject({ modelId: manifest.id, modelHash: manifest.hash });
    const reply = await client.request({
      exit: 0,
      partition: 0,
      dtype: 'uint8',
      shape: [1, 28, 28, 1],
      payload: rawPixels(1),
    });
    expect(reply.shape).toEqual([1, 10]);
    expect(reply.timing.computeMs).toBeGreaterThan(0);
    client.close();
  });

  it(`every exit and partition, ${IMAGES} test images: the same class as device-only and logits within 1e-4 (float32)`, async () => {
    const client = await connect(await open());
    const x = inputTensor(model.spec, images);
    let checked = 0;
    try {
      for (const path of describeModel(model.spec)) {
        const n = path.layers.length;
        const whole = runSlice(model, path.exit, 0, n, x);
        const expected = (await whole.data()) as Float32Array;
        const expectedClass = await whole.argMax(1).data();
        whole.dispose();
        for (let p = 0; p < n; p++) {
          let fields: Parameters<typeof client.request>[0];
          if (p === 0) {
            const payload = rawPixels(IMAGES);
            fields = {
              exit: path.exit,
              partition: 0,
              dtype: 'uint8',
              shape: [IMAGES, 28, 28, 1],
              payload,
            };
          } else {
            const head = runSlice(model, path.exit, 0, p, x);
            const values = (await head.data()) as Float32Array;
            fields = {
              exit: path.exit,
              partition: p,
              ...encodeTensor(values, head.shape, 'float32'),
            };
            head.dispose();
          }
          const reply = await client.request(fields);
          expect(reply.shape).toEqual([IMAGES, 10]);
          let worst = 0;
          for (let i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs((reply.scores[i] ?? 0) - (expected[i] ?? 0)));
          }
          // Partition 0 sends bytes: the edge scales them as the data loader did.
          expect(worst, `exit ${path.exit} partition ${p}`).toBeLessThanOrEqual(1e-4);
          const got = tf.tidy(() => tf.tensor(reply.scores, [IMAGES, 10]).argMax(1).dataSync());
          expect([...got], `exit ${path.exit} partition ${p}`).toEqual([...expectedClass]);
          checked++;
        }
      }
    } finally {
      x.dispose();
      client.close();
    }
    expect(checked).toBe(describeModel(model.spec).reduce((s, p) => s + p.layers.length, 0));
  });

  it('refuses a hello for another model over a real socket', async () => {
    const client = EdgeClient.connect(await open(), {
      model: { id: manifest.id, hash: `sha256:${'0'.repeat(64)}` },
      now: () => performance.now(),
    });
    await expect(client).rejects.toMatchObject({ code: 'EDGENT_ERR_MODEL_MISMATCH' });
  });

  it('a bad partition gets a coded error and the connection goes on serving', async () => {
    const client = await connect(await open());
    const bad = client.request({
      exit: 1,
      partition: 200,
      dtype: 'uint8',
      shape: [1, 28, 28, 1],
      payload: rawPixels(1),
    });
    await expect(bad).rejects.toBeInstanceOf(DeviceError);
    await expect(bad).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_PARTITION',
      message: expect.stringMatching(
        /partition 200 out of range for exit 1, which has partitions 0\.\./,
      ),
    });
    const good = await client.request({
      exit: 1,
      partition: 0,
      dtype: 'uint8',
      shape: [1, 28, 28, 1],
      payload: rawPixels(1),
    });
    expect(good.scores).toHaveLength(10);
    client.close();
  });

  it('emulates the link set by the device, and the device measures it from probes (within 25%)', async () => {
    const device = new CoInference({
      model,
      manifest,
      device: (
        JSON.parse(
          await (await import('node:fs/promises')).readFile(
            join(defaultModelDir, 'profiles', 'device.json'),
            'utf8',
          ),
        ) as DeviceProfile
      ).latency,
      edge: (await app.inject({ method: 'GET', url: '/api/profile' })).json<DeviceProfile>()
        .latency,
      now: () => performance.now(),
    });
    const client = await connect(await open());
    device.setEdge(client);
    for (const rateBps of [2e6, 300e3]) {
      await client.setLink({ type: 'link', mode: 'fixed', rateBps, delayMs: 10 });
      device.resetLink();
      const m = await device.measureLink(4);
      expect(m.bandwidth?.bps, `set ${rateBps}`).toBeGreaterThan(0.75 * rateBps);
      expect(m.bandwidth?.bps, `set ${rateBps}`).toBeLessThan(1.25 * rateBps);
      // The emulated one-way delay of 10 ms each way shows in the round trip.
      expect(m.rttMs).toBeGreaterThan(15);
    }
    // A trace by name from the edge's traces folder; an unknown one is refused with a code.
    await client.setLink({ type: 'link', mode: 'trace', trace: 'steady', scale: 0.5 });
    device.resetLink();
    const traced = await device.measureLink(3);
    expect(traced.bandwidth?.bps).toBeGreaterThan(0.75 * 1e6);
    expect(traced.bandwidth?.bps).toBeLessThan(1.25 * 1e6);
    await expect(
      client.setLink({ type: 'link', mode: 'trace', trace: 'nope' }),
    ).rejects.toMatchObject({ code: 'EDGENT_ERR_NO_TRACE' });
    await client.setLink({ type: 'link', mode: 'off' });
    // Co-inference classifies like the device alone would.
    for (let i = 0; i < 5; i++) {
      const pixels = rawPixels(i + 1).subarray(784 * i);
      const r = await device.classify(pixels, 200);
      expect(r.online).toBe(true);
      const local = tf.tidy(() =>
        runSlice(
          model,
          r.plan.exit,
          0,
          device.paths[r.plan.exit]?.layers.length ?? 0,
          inputTensor(model.spec, images.subarray(784 * i, 784 * (i + 1))),
        )
          .argMax(1)
          .dataSync(),
      );
      expect(r.label).toBe(local[0]);
      const m = r.measured;
      expect(m.device + m.upload + m.edge + m.download).toBeCloseTo(m.total, 9);
    }
    expect(labels.length).toBe(IMAGES);
    client.close();
  });

  it('counts requests, errors and connections in /metrics, and serves the profile and traces', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const ok = /edgent_requests_total\{[^}]*outcome="ok"[^}]*\} (\d+)/g;
    let total = 0;
    for (const m of text.matchAll(ok)) total += Number(m[1]);
    expect(total).toBeGreaterThan(60);
    expect(text).toMatch(/edgent_errors_total\{code="EDGENT_ERR_BAD_PARTITION"\} 1/);
    expect(text).toMatch(/edgent_compute_duration_seconds_count/);
    const profile = (await app.inject({ method: 'GET', url: '/api/profile' })).json();
    expect(profile).toMatchObject({ format: 'edgent-profile/2', model: { id: manifest.id } });
    const traces = (await app.inject({ method: 'GET', url: '/api/traces' })).json();
    expect(traces).toEqual({
      traces: ['steady'],
      details: [{ name: 'steady', durationS: 2, minMbps: 2, maxMbps: 2, meanMbps: 2 }],
    });
  });
});

describe('/ws limits', () => {
  let guarded: FastifyInstance;
  let guardedUrl: string;
  beforeAll(async () => {
    guarded = await buildApp({
      modelDir: defaultModelDir,
      workers: 1,
      logger: false,
      profileFile: shippedEdgeProfile,
      token: 'secret-token',
      allowedOrigins: ['https://allowed.example'],
      cacheDir: dir,
    });
    guardedUrl = await listenWs(guarded);
  }, 60_000);
  afterAll(() => guarded?.close());

  it('needs the token, as a bearer header or a query parameter', async () => {
    await expect(open(guardedUrl)).rejects.toMatchObject({ status: 401 });
    await expect(open(guardedUrl, { authorization: 'Bearer wrong-token' })).rejects.toMatchObject({
      status: 401,
    });
    const byHeader = await open(guardedUrl, { authorization: 'Bearer secret-token' });
    byHeader.close();
    const byQuery = await open(`${guardedUrl}?token=secret-token`);
    byQuery.close();
  });

  it('refuses pages from other origins, and accepts listed ones', async () => {
    await expect(
      open(`${guardedUrl}?token=secret-token`, { origin: 'https://evil.example' }),
    ).rejects.toMatchObject({ status: 403 });
    const ok = await open(`${guardedUrl}?token=secret-token`, {
      origin: 'https://allowed.example',
    });
    ok.close();
  });
});
