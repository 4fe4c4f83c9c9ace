/**
 * The edge's log: one line per answered request (method, path, status, ms),
 * polled routes only at debug, tokens hidden, and Fastify's own two lines per
 * request gone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function appWithLog(level: string) {
  const dir = await mkdtemp(join(tmpdir(), 'edgent-log-'));
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = await buildApp({
    modelDir: dir,
    webRoot: join(dir, 'web'),
    workers: 0,
    cacheDir: dir,
    logger: { level, stream } as never,
  });
  close = async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { app, lines };
}

describe('request log lines', () => {
  it('writes one line per request, hides tokens, and leaves polled routes to debug', async () => {
    const { app, lines } = await appWithLog('info');
    await app.inject({ method: 'GET', url: '/api/models?token=s3cret-token' });
    await app.inject({ method: 'GET', url: '/api/profile/status' });
    await app.inject({ method: 'GET', url: '/api/health' });
    await app.inject({ method: 'GET', url: '/no/such/route' });
    const requests = lines.filter((l) => 'status' in l);
    expect(requests.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^GET \/api\/models\?token=<hidden> 404 [\d.]+ ms$/),
      expect.stringMatching(/^GET \/no\/such\/route 404 [\d.]+ ms$/),
    ]);
    expect(JSON.stringify(lines)).not.toContain('s3cret-token');
    expect(lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toBe(
      false,
    );
  });

  it('logs the polled routes at debug level', async () => {
    const { app, lines } = await appWithLog('debug');
    await app.inject({ method: 'GET', url: '/api/profile/status' });
    expect(lines.filter((l) => 'status' in l).map((l) => [l.level, l.url])).toEqual([
      [20, '/api/profile/status'],
    ]);
  });
});
