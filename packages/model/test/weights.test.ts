import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeWeights,
  encodeWeights,
  fetchModel,
  initialWeights,
  readModelDir,
  seededRng,
  tinyMultiExit,
  writeModelDir,
} from '../src/node';

const spec = tinyMultiExit();
const values = initialWeights(spec, seededRng(3));

describe('weights in the tfjs format', () => {
  it('round-trips through manifest + bytes, in manifest order', async () => {
    const { manifest, bytes } = await encodeWeights(spec, values);
    expect(manifest.weightsManifest[0]?.weights.map((w) => w.name)).toEqual([...values.keys()]);
    expect(manifest.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const back = await decodeWeights(manifest, bytes, 'mem');
    for (const [name, v] of values) expect(back.get(name)).toEqual(v);
  });

  it('gives a different hash for different weights or architecture', async () => {
    const a = await encodeWeights(spec, values);
    const b = await encodeWeights(spec, initialWeights(spec, seededRng(4)));
    expect(a.manifest.hash).not.toBe(b.manifest.hash);
  });

  it('refuses changed bytes, short files and foreign manifests with typed errors', async () => {
    const { manifest, bytes } = await encodeWeights(spec, values);
    const flipped = bytes.slice();
    flipped[10] = (flipped[10] as number) ^ 1;
    await expect(decodeWeights(manifest, flipped, 'w.bin')).rejects.toMatchObject({
      code: 'EDGENT_ERR_HASH_MISMATCH',
    });
    await expect(decodeWeights(manifest, bytes.subarray(4), 'w.bin')).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_WEIGHTS',
      message: expect.stringMatching(/w.bin: weights are \d+ bytes, the manifest needs \d+/),
    });
    await expect(
      decodeWeights({ ...manifest, format: 'x' } as never, bytes, 'w.bin'),
    ).rejects.toMatchObject({ code: 'EDGENT_ERR_BAD_WEIGHTS' });
  });

  it('reads a folder written in Node, and the same folder over HTTP', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgent-w-'));
    const { manifest, bytes } = await encodeWeights(spec, values);
    await writeModelDir(dir, manifest, bytes);
    const fromDisk = await readModelDir(dir);
    expect(fromDisk.manifest.hash).toBe(manifest.hash);
    const server = createServer(async (req, res) => {
      try {
        res.end(await readFile(join(dir, (req.url ?? '/').slice(1))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const overHttp = await fetchModel(`http://127.0.0.1:${port}/`);
      expect(overHttp.manifest.hash).toBe(manifest.hash);
      expect(overHttp.weights.get('c1/kernel')).toEqual(values.get('c1/kernel'));
      await expect(fetchModel(`http://127.0.0.1:${port}/missing/`)).rejects.toMatchObject({
        code: 'EDGENT_ERR_BAD_WEIGHTS',
      });
    } finally {
      server.close();
    }
  });

  it('names the file when a folder has no manifest or a corrupt one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgent-w-'));
    await expect(readModelDir(dir)).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_WEIGHTS',
      message: expect.stringContaining(join(dir, 'manifest.json')),
    });
    await writeFile(join(dir, 'manifest.json'), '{not json');
    await expect(readModelDir(dir)).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_MANIFEST',
      message: expect.stringContaining('is not valid JSON'),
    });
  });
});

describe('the model hash without crypto.subtle', () => {
  it('is the SHA-256 of the architecture and the weights, computed in pure JavaScript', async () => {
    const { createHash } = await import('node:crypto');
    const { vi } = await import('vitest');
    const { modelHash } = await import('../src/node');
    const { manifest, bytes } = await encodeWeights(spec, values);
    // An insecure browser context (plain HTTP off localhost) has no crypto.subtle.
    vi.stubGlobal('crypto', {});
    try {
      const hash = await modelHash(spec, bytes);
      const expected = createHash('sha256')
        .update(JSON.stringify(spec))
        .update(bytes)
        .digest('hex');
      expect(hash).toBe(`sha256:${expected}`);
      expect(hash).toBe(manifest.hash);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
