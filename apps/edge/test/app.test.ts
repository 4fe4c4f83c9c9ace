import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeWeights,
  initialWeights,
  type ModelManifest,
  seededRng,
  tinyMultiExit,
} from '@edgent/model';
import { writeModelDir } from '@edgent/model/node';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, EdgeError, version } from '../src/index.js';

let dir: string;
let modelDir: string;
let webRoot: string;
let app: FastifyInstance | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgent-edge-'));
  modelDir = dir;
  webRoot = join(dir, 'no-web-build');
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function build(): Promise<FastifyInstance> {
  app = await buildApp({ modelDir, webRoot, logger: false, workers: 0 });
  return app;
}

/** Writes a tiny model into the model folder as edgent train does, its manifest with `extra`. */
async function writeTinyModel(extra: Record<string, unknown>): Promise<ModelManifest> {
  const spec = { ...tinyMultiExit(), id: 'tiny' };
  const { manifest, bytes } = await encodeWeights(spec, initialWeights(spec, seededRng(1)));
  const full = { ...manifest, ...extra };
  await writeModelDir(modelDir, full, bytes);
  return full;
}

describe('buildApp', () => {
  it('reports health with the package version', async () => {
    const res = await (await build()).inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', version });
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers /api/models with 404 EDGENT_ERR_NO_MODEL without a manifest; with one, lists the model and serves it', async () => {
    const missing = await (await build()).inject({ method: 'GET', url: '/api/models' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'EDGENT_ERR_NO_MODEL' });
    expect(missing.json().message).toContain(join(modelDir, 'manifest.json'));

    const manifest = await writeTinyModel({
      evaluation: { exits: [0.5, 0.75].map((accuracy, exit) => ({ exit, accuracy })) },
    });
    await app?.close();
    const server = await build();
    const list = await server.inject({ method: 'GET', url: '/api/models' });
    expect(list.json()).toEqual({
      default: 'tiny',
      models: [
        {
          id: 'tiny',
          hash: manifest.hash,
          input: [12, 12, 1],
          exits: 2,
          accuracy: [0.5, 0.75],
          files: '/models/tiny/',
        },
      ],
    });
    const found = await server.inject({ method: 'GET', url: '/api/models/tiny' });
    expect(found.json()).toEqual(manifest);
    const other = await server.inject({ method: 'GET', url: '/api/models/other' });
    expect(other.statusCode).toBe(404);
    expect(other.json().message).toBe('this edge serves no model "other"; it serves tiny');
    const file = await server.inject({ method: 'GET', url: '/models/tiny/manifest.json' });
    expect(file.json()).toEqual(manifest);
  });

  it('reads each model folder once, at start: the catalog and the pool keep what was read', async () => {
    const manifest = await writeTinyModel({});
    app = await buildApp({ modelDir, webRoot, logger: false, workers: 1, backend: 'cpu' });
    // The folder goes away after start: nothing the edge serves reads it again.
    await rm(join(modelDir, 'manifest.json'));
    await rm(join(modelDir, 'weights.bin'));
    const list = await app.inject({ method: 'GET', url: '/api/models' });
    expect(list.json()).toMatchObject({ default: 'tiny', models: [{ hash: manifest.hash }] });
    const one = await app.inject({ method: 'GET', url: '/api/models/tiny' });
    expect(one.json()).toEqual(manifest);
    expect(app.edgent.pool?.models.map((m) => m.hash)).toEqual([manifest.hash]);
    // The profile store starts profiling on the model it was given (no manifest to read again).
    await expect(app.edgent.profiles.available()).resolves.toBeUndefined();
    expect(app.edgent.profiles.status.state).toBe('profiling');
  });

  it('refuses to start workers on a folder whose weights do not match its manifest', async () => {
    await writeTinyModel({});
    await writeFile(join(modelDir, 'weights.bin'), new Uint8Array(8));
    await expect(
      buildApp({ modelDir, webRoot, logger: false, workers: 1, backend: 'cpu' }),
    ).rejects.toMatchObject({ code: 'EDGENT_ERR_BAD_WEIGHTS' });
  });

  it('answers a manifest that is not JSON with 500 EDGENT_ERR_BAD_MANIFEST', async () => {
    await writeFile(join(modelDir, 'manifest.json'), '{ not json');
    const res = await (await build()).inject({ method: 'GET', url: '/api/models' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'EDGENT_ERR_BAD_MANIFEST' });
  });

  it('serves a placeholder page while there is no web build', async () => {
    const res = await (await build()).inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('Edgent edge is running');
  });

  it('serves the web build when webRoot exists', async () => {
    webRoot = dir;
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>built page</title>');
    const res = await (await build()).inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('built page');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('sends the cross-origin isolation headers on every response, errors included', async () => {
    const server = await build();
    for (const url of ['/', '/api/health', '/api/models', '/no/such/route']) {
      const res = await server.inject({ method: 'GET', url });
      expect(res.headers['cross-origin-opener-policy'], url).toBe('same-origin');
      expect(res.headers['cross-origin-embedder-policy'], url).toBe('require-corp');
    }
  });

  it('rejects a bad option, naming it, the value received and what is allowed', async () => {
    const attempt = buildApp({ modelDir: 42 as unknown as string, logger: false });
    await expect(attempt).rejects.toBeInstanceOf(EdgeError);
    await expect(attempt).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_OPTION',
      message:
        'option modelDir must be a path to a folder (a non-empty string); received 42 (number)',
    });
  });

  it('rejects a webRoot that is a file, and an unknown option', async () => {
    const file = join(dir, 'file.txt');
    await writeFile(file, 'x');
    await expect(buildApp({ webRoot: file, logger: false })).rejects.toThrow(
      `option webRoot must be a path to a folder (a non-empty string), but ${file} is not a folder; received "${file}"`,
    );
    const unknown = { modelDir, prot: 80, logger: false } as unknown as Parameters<
      typeof buildApp
    >[0];
    await expect(buildApp(unknown)).rejects.toThrow(
      'unknown option prot (received 80 (number)); allowed options: webRoot, modelDir, moreModelDirs, logger',
    );
  });

  it('rejects hardening limits that could not work: a queue bound under one frame, a host with a port', async () => {
    await expect(
      buildApp({ maxPayloadBytes: 4096, maxQueuedBytes: 4096, logger: false }),
    ).rejects.toThrow('option maxQueuedBytes must be a whole number from 4168 to');
    await expect(buildApp({ allowedHosts: ['edge.lan:8080'], logger: false })).rejects.toThrow(
      'option allowedHosts must be a non-empty array of host names or addresses without port',
    );
    await expect(buildApp({ maxBatch: 0, logger: false })).rejects.toThrow(
      'option maxBatch must be a whole number from 1 to 65536; received 0 (number)',
    );
  });
});

describe('listening for real', () => {
  it('answers fetch on an ephemeral port', async () => {
    const server = await build();
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await res.json()).toEqual({ status: 'ok', version });
  });
});

describe('the model files', () => {
  it('serves manifest.json, weights.bin and profiles under /model/, and nothing else there', async () => {
    await writeFile(join(modelDir, 'manifest.json'), '{"id":"tiny"}');
    await writeFile(join(modelDir, 'weights.bin'), new Uint8Array([1, 2, 3]));
    await writeFile(join(modelDir, 'secret.txt'), 'no');
    const server = await build();
    const manifest = await server.inject({ method: 'GET', url: '/model/manifest.json' });
    expect(manifest.statusCode).toBe(200);
    expect(manifest.json()).toEqual({ id: 'tiny' });
    const weights = await server.inject({ method: 'GET', url: '/model/weights.bin' });
    expect([...weights.rawPayload]).toEqual([1, 2, 3]);
    expect(weights.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const secret = await server.inject({ method: 'GET', url: '/model/secret.txt' });
    expect(secret.statusCode).toBe(404);
  });
});

describe('weight on the wire', () => {
  it('serves the build pre-compressed, hashed assets and the versioned wasm as immutable, index.html revalidated', async () => {
    webRoot = join(dir, 'web');
    const { mkdir } = await import('node:fs/promises');
    const { brotliCompressSync, brotliDecompressSync } = await import('node:zlib');
    await mkdir(join(webRoot, 'assets'), { recursive: true });
    await mkdir(join(webRoot, 'tfjs-wasm', '4.22.0'), { recursive: true });
    const js = `console.log(${JSON.stringify('x'.repeat(4000))});`;
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(webRoot, 'assets', 'index-abc123.js'), js);
    await writeFile(join(webRoot, 'assets', 'index-abc123.js.br'), brotliCompressSync(js));
    await writeFile(join(webRoot, 'tfjs-wasm', '4.22.0', 'a.wasm'), Buffer.alloc(10));
    const server = await build();
    const asset = await server.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-encoding']).toBe('br');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(asset.rawPayload).toString()).toBe(js);
    const plain = await server.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(js);
    const wasm = await server.inject({ method: 'GET', url: '/tfjs-wasm/4.22.0/a.wasm' });
    expect(wasm.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const index = await server.inject({ method: 'GET', url: '/' });
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers.etag).toBeTruthy();
    const again = await server.inject({
      method: 'GET',
      url: '/',
      headers: { 'if-none-match': String(index.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it('compresses API answers over 1 KiB on the fly', async () => {
    const manifest = await writeTinyModel({ training: { padding: 'y'.repeat(5000) } });
    const res = await (await build()).inject({
      method: 'GET',
      url: '/api/models/tiny',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.rawPayload.byteLength).toBeLessThan(1000);
    const { gunzipSync } = await import('node:zlib');
    expect(JSON.parse(gunzipSync(res.rawPayload).toString())).toEqual(manifest);
  });
});

describe('traces and addresses', () => {
  it('lists each trace with its duration, range and mean', async () => {
    const traces = join(dir, 'traces');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(traces);
    await writeFile(join(traces, 'steps.tsv'), '0\t1\n10\t3\n');
    await writeFile(join(traces, 'broken.tsv'), 'not a trace\n');
    app = await buildApp({ modelDir, webRoot, logger: false, workers: 0, tracesDir: traces });
    const body = (await app.inject({ method: 'GET', url: '/api/traces' })).json();
    expect(body.traces).toEqual(['broken', 'steps']);
    // 1 Mbit/s for 10 s, then 3 Mbit/s held for the last gap (10 s): 20 s, mean 2.
    expect(body.details).toEqual([
      { name: 'steps', durationS: 20, minMbps: 1, maxMbps: 3, meanMbps: 2 },
    ]);
  });

  it('says no addresses before serve fills them in', async () => {
    const res = await (await build()).inject({ method: 'GET', url: '/api/addresses' });
    expect(res.json()).toEqual({ https: [], http: [] });
  });
});
