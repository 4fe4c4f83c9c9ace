import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type DeviceProfile,
  encodeWeights,
  initialWeights,
  type ModelManifest,
  seededRng,
  tinyMultiExit,
} from '@edgent/model';
import { writeModelDir } from '@edgent/model/node';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../src/error-handler.js';
import type { EdgeError } from '../src/errors.js';
import { type LoadedModel, loadModelDir, readModelFolders } from '../src/model-folders.js';
import {
  type ProfileStatus,
  ProfileStore,
  type ProfileStoreOptions,
} from '../src/profile-store.js';
import { profileRoutes } from '../src/routes/profile.js';

const shippedModelDir = fileURLToPath(new URL('../../../models/b-alexnet-fmnist', import.meta.url));
const shippedProfile = join(shippedModelDir, 'profiles', 'edge.json');
/** The shipped model's cache file name: its hash starts fdc01cce6097c4de. */
const shippedCacheName = 'edge-profile-fdc01cce6097c4de.json';

let dir: string;
let cacheDir: string;
let logs: { msg: string; data?: object }[];
const apps: FastifyInstance[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgent-profile-'));
  cacheDir = join(dir, 'cache');
  logs = [];
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await rm(dir, { recursive: true, force: true });
});

/** The shipped model as the edge reads it. */
let shipped: LoadedModel;
beforeAll(async () => {
  shipped = await loadModelDir(shippedModelDir);
});

/** What the edge read from a folder: its model, or why it has none. */
async function modelIn(folder: string): Promise<LoadedModel | EdgeError> {
  const [read] = await readModelFolders([folder]);
  return read?.model ?? (read?.error as EdgeError);
}

function storeOf(options: Partial<ProfileStoreOptions>): ProfileStore {
  return new ProfileStore({
    model: shipped,
    cacheDir,
    log: (msg, data) => logs.push({ msg, ...(data ? { data } : {}) }),
    ...options,
  });
}

async function serve(store: ProfileStore): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  apps.push(app);
  installErrorHandler(app);
  await app.register(
    profileRoutes({ get: (id) => (id === undefined ? store : undefined), all: () => [store] }),
  );
  return app;
}

async function status(app: FastifyInstance): Promise<ProfileStatus> {
  const res = await app.inject({ method: 'GET', url: '/api/profile/status' });
  expect(res.statusCode).toBe(200);
  return (res.json() as { status: ProfileStatus }).status;
}

/** Polls the status route until the state is no longer `profiling`; the server answers meanwhile. */
async function settled(app: FastifyInstance, timeoutMs = 30_000): Promise<ProfileStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(app);
    if (s.state !== 'profiling') return s;
    if (Date.now() > deadline) throw new Error(`still profiling after ${timeoutMs} ms`);
    await sleep(50);
  }
}

const workerStarts = () => logs.filter((l) => l.msg === 'profiling the edge in a worker thread');

describe('edge profile from a file or the cache (no profiling)', () => {
  it('serves the profile file as it is, without profiling or writing a cache', async () => {
    const app = await serve(storeOf({ profileFile: shippedProfile }));
    const res = await app.inject({ method: 'GET', url: '/api/profile' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(JSON.parse(await readFile(shippedProfile, 'utf8')));
    expect(await status(app)).toMatchObject({ state: 'ready', source: 'file' });
    expect(workerStarts()).toHaveLength(0);
    await expect(readdir(cacheDir)).rejects.toThrow(/ENOENT/);
  });

  it('carries an ETag: a page that has the profile gets 304 and no body when it asks again', async () => {
    const app = await serve(storeOf({ profileFile: shippedProfile }));
    const first = await app.inject({ method: 'GET', url: '/api/profile' });
    const tag = first.headers.etag;
    expect(tag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await app.inject({
      method: 'GET',
      url: '/api/profile',
      headers: { 'if-none-match': String(tag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const stale = await app.inject({
      method: 'GET',
      url: '/api/profile',
      headers: { 'if-none-match': '"another"' },
    });
    expect(stale.statusCode).toBe(200);
  });

  it('refuses a profile file for another model id with 500 EDGENT_ERR_BAD_PROFILE', async () => {
    const other: LoadedModel = {
      dir: join(dir, 'other-model'),
      manifest: { ...shipped.manifest, id: 'other', hash: `sha256:${'ab'.repeat(32)}` },
      weights: shipped.weights,
    };
    const app = await serve(storeOf({ model: other, profileFile: shippedProfile }));
    const res = await app.inject({ method: 'GET', url: '/api/profile' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      statusCode: 500,
      code: 'EDGENT_ERR_BAD_PROFILE',
      error: 'Internal Server Error',
      message: expect.stringMatching(/is for model "b-alexnet-fmnist", not "other"/),
    });
    expect(await status(app)).toMatchObject({ state: 'failed', code: 'EDGENT_ERR_BAD_PROFILE' });
    expect(workerStarts()).toHaveLength(0);
  });

  it('checks ?model= against its schema: 400 EDGENT_ERR_BAD_QUERY for what is no model id, 404 for an unknown one', async () => {
    const app = await serve(storeOf({ profileFile: shippedProfile }));
    const bad = await app.inject({ method: 'GET', url: '/api/profile?model=../../etc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'EDGENT_ERR_BAD_QUERY' });
    expect(bad.json().message).toContain('got "../../etc"');
    const unknown = await app.inject({ method: 'GET', url: '/api/profile/status?model=other' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'EDGENT_ERR_NO_MODEL' });
  });

  it('answers 404 EDGENT_ERR_NO_MODEL when the model folder has no manifest', async () => {
    const app = await serve(storeOf({ model: await modelIn(join(dir, 'empty')) }));
    const res = await app.inject({ method: 'GET', url: '/api/profile' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, code: 'EDGENT_ERR_NO_MODEL' });
    expect(workerStarts()).toHaveLength(0);
  });

  it("serves a cached profile of the model's hash", async () => {
    await mkdir(cacheDir);
    await copyFile(shippedProfile, join(cacheDir, shippedCacheName));
    const store = storeOf({});
    const app = await serve(store);
    const res = await app.inject({ method: 'GET', url: '/api/profile' });
    expect(res.statusCode).toBe(200);
    const profile = res.json() as DeviceProfile;
    expect(profile.model.id).toBe('b-alexnet-fmnist');
    expect((await store.get()).createdAt).toBe(profile.createdAt);
    expect(await status(app)).toMatchObject({ state: 'ready', source: 'cache' });
    expect(workerStarts()).toHaveLength(0);
  });
});

describe('edge profile measured in a worker thread (tiny model)', () => {
  let tinyDir: string;
  let manifest: ModelManifest;
  let tinyCache: string;

  beforeAll(async () => {
    tinyDir = await mkdtemp(join(tmpdir(), 'edgent-tiny-model-'));
    const spec = tinyMultiExit();
    const encoded = await encodeWeights(spec, initialWeights(spec, seededRng(7)));
    manifest = encoded.manifest;
    await writeModelDir(tinyDir, manifest, encoded.bytes);
    tinyCache = `edge-profile-${manifest.hash.slice('sha256:'.length, 'sha256:'.length + 16)}.json`;
  });

  afterAll(async () => {
    await rm(tinyDir, { recursive: true, force: true });
  });

  // perKind 8, not 4: with 4, a quarter held out leaves too few dense samples to fit.
  const tinyStore = async () =>
    storeOf({ model: await modelIn(tinyDir), settings: { perKind: 8, warmup: 0, runs: 2 } });

  it("ignores another model's cached profile, and closing stops the worker", async () => {
    await mkdir(cacheDir);
    await copyFile(shippedProfile, join(cacheDir, tinyCache));
    const store = await tinyStore();
    expect(await store.available()).toBeUndefined();
    expect(logs).toContainEqual({
      msg: 'ignoring cached edge profile; profiling',
      data: {
        path: join(cacheDir, tinyCache),
        reason: 'is for model "b-alexnet-fmnist", not "tiny"',
      },
    });
    const run = store.get();
    while (workerStarts().length === 0) await sleep(5);
    await store.close();
    await expect(run).rejects.toMatchObject({
      code: 'EDGENT_ERR_PROFILE_FAILED',
      message: expect.stringMatching(/closed/),
    });
    expect(store.status).toMatchObject({ state: 'failed', code: 'EDGENT_ERR_PROFILE_FAILED' });
  });

  it('falls back from a corrupt cache: 202 while profiling, then 200, cached; refresh re-profiles', async () => {
    await mkdir(cacheDir);
    const cachePath = join(cacheDir, tinyCache);
    await writeFile(cachePath, '{"format": "edgent-profile/2", "mod');
    const app = await serve(await tinyStore());

    // Two requests at once share one run; a refresh meanwhile starts no second one.
    const first = await Promise.all([
      app.inject({ method: 'GET', url: '/api/profile' }),
      app.inject({ method: 'GET', url: '/api/profile' }),
    ]);
    for (const res of first) {
      expect(res.statusCode).toBe(202);
      const s = (res.json() as { status: ProfileStatus }).status;
      expect(s.state).toBe('profiling');
      expect(s.progress).toEqual({
        phase: expect.any(String),
        done: expect.any(Number),
        total: expect.any(Number),
      });
    }
    const again = await app.inject({ method: 'POST', url: '/api/profile/refresh' });
    expect(again.statusCode).toBe(202);
    expect(logs.map((l) => l.msg)).toContain('ignoring cached edge profile: not JSON; profiling');

    expect(await settled(app)).toMatchObject({ state: 'ready', source: 'profiled' });
    expect(workerStarts()).toHaveLength(1);
    const res = await app.inject({ method: 'GET', url: '/api/profile' });
    expect(res.statusCode).toBe(200);
    const profile = res.json() as DeviceProfile;
    expect(profile).toMatchObject({
      format: 'edgent-profile/2',
      backend: 'wasm',
      model: { id: 'tiny', hash: manifest.hash },
      timing: { warmup: 0, runs: 2 },
    });
    expect(profile.samples.layers).toHaveLength(8 * 6);
    const cached = JSON.parse(await readFile(cachePath, 'utf8')) as DeviceProfile;
    expect(cached.createdAt).toBe(profile.createdAt);
    expect(await readdir(cacheDir)).toEqual([tinyCache]);

    // A new store on the same folders starts from the cache.
    const restarted = await serve(await tinyStore());
    const fromCache = await restarted.inject({ method: 'GET', url: '/api/profile' });
    expect(fromCache.statusCode).toBe(200);
    expect((fromCache.json() as DeviceProfile).createdAt).toBe(profile.createdAt);
    expect(workerStarts()).toHaveLength(1);

    // Refresh re-profiles; the old profile is served until the new one replaces it and the cache.
    const refresh = await restarted.inject({ method: 'POST', url: '/api/profile/refresh' });
    expect(refresh.statusCode).toBe(202);
    expect((refresh.json() as { status: ProfileStatus }).status).toMatchObject({
      state: 'profiling',
      source: 'cache',
    });
    const during = await restarted.inject({ method: 'GET', url: '/api/profile' });
    expect(during.statusCode).toBe(200);
    expect((during.json() as DeviceProfile).createdAt).toBe(profile.createdAt);
    expect(await settled(restarted)).toMatchObject({ state: 'ready', source: 'profiled' });
    expect(workerStarts()).toHaveLength(2);
    const after = (await restarted.inject({ method: 'GET', url: '/api/profile' })).json();
    expect((after as DeviceProfile).createdAt).not.toBe(profile.createdAt);
    const recached = JSON.parse(await readFile(cachePath, 'utf8')) as DeviceProfile;
    expect(recached.createdAt).toBe((after as DeviceProfile).createdAt);
    expect(await readdir(cacheDir)).toEqual([tinyCache]);
  });
});
