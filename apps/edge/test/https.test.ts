/**
 * HTTPS for phones on the LAN: the self-signed certificate (made once, cached,
 * renewed when it no longer fits), the operator's own files, and `serve`
 * answering the same app, headers and /ws on both listeners.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeClient } from '@edgent/device';
import { readModelDir } from '@edgent/model/node';
import { wsChannel } from '@edgent/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { banner, edgeAddresses } from '../src/banner.js';
import { defaultModelDir } from '../src/paths.js';
import { redactUrl } from '../src/request-log.js';
import { type Served, serve } from '../src/serve.js';
import { certificateFromFiles, certificateNames, selfSignedCertificate } from '../src/tls.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgent-tls-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const names = { dns: ['localhost', 'edge-box'], ips: ['127.0.0.1', '192.0.2.7'] };

describe('the self-signed certificate', () => {
  it('names localhost, the host name and every address, and is cached with a private key file', async () => {
    const tlsDir = join(dir, 'a');
    const made = await selfSignedCertificate(tlsDir, names);
    expect(made.source).toBe('generated');
    expect(made.names).toEqual(
      expect.arrayContaining(['localhost', 'edge-box', '127.0.0.1', '192.0.2.7']),
    );
    const x509 = new X509Certificate(made.cert);
    expect(certificateNames(x509)).toEqual(made.names);
    expect(x509.checkPrivateKey(createPrivateKey(made.key))).toBe(true);
    expect((await stat(join(tlsDir, 'key.pem'))).mode & 0o777).toBe(0o600);

    const again = await selfSignedCertificate(tlsDir, names);
    expect(again.source).toBe('cached');
    expect(again.fingerprint).toBe(made.fingerprint);
  });

  it('is made anew when an address is not in it, or when it is about to expire', async () => {
    const tlsDir = join(dir, 'b');
    const first = await selfSignedCertificate(tlsDir, names);
    const moved = await selfSignedCertificate(tlsDir, {
      ...names,
      ips: [...names.ips, '10.9.8.7'],
    });
    expect(moved.source).toBe('generated');
    expect(moved.fingerprint).not.toBe(first.fingerprint);
    expect(moved.names).toContain('10.9.8.7');

    const validTo = new Date(new X509Certificate(moved.cert).validTo).getTime();
    const nearEnd = new Date(validTo - 24 * 3600 * 1000);
    const renewed = await selfSignedCertificate(
      tlsDir,
      { ...names, ips: [...names.ips, '10.9.8.7'] },
      nearEnd,
    );
    expect(renewed.source).toBe('generated');
    expect(new Date(new X509Certificate(renewed.cert).validTo).getTime()).toBeGreaterThan(validTo);
  });

  it('is made anew when the cached files are damaged', async () => {
    const tlsDir = join(dir, 'c');
    const first = await selfSignedCertificate(tlsDir, names);
    await writeFile(join(tlsDir, 'cert.pem'), 'not a certificate');
    const next = await selfSignedCertificate(tlsDir, names);
    expect(next.source).toBe('generated');
    expect(next.fingerprint).not.toBe(first.fingerprint);
  });
});

describe("the operator's certificate files", () => {
  it('are used as given, and a key of another certificate is refused naming the file', async () => {
    const one = await selfSignedCertificate(join(dir, 'd1'), names);
    const two = await selfSignedCertificate(join(dir, 'd2'), names);
    const given = await certificateFromFiles(
      join(dir, 'd1', 'cert.pem'),
      join(dir, 'd1', 'key.pem'),
    );
    expect(given).toMatchObject({ source: 'files', fingerprint: one.fingerprint });
    await expect(
      certificateFromFiles(join(dir, 'd1', 'cert.pem'), join(dir, 'd2', 'key.pem')),
    ).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_OPTION',
      message: expect.stringContaining(join(dir, 'd2', 'key.pem')),
    });
    expect(two.fingerprint).not.toBe(one.fingerprint);
    await expect(
      certificateFromFiles(join(dir, 'nope.pem'), join(dir, 'd1', 'key.pem')),
    ).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_OPTION',
      message: expect.stringMatching(/ENOENT/),
    });
  });
});

describe('where to go', () => {
  it('lists the local URL, an HTTPS URL per LAN address, the certificate hint and a QR code', () => {
    const a = edgeAddresses({
      host: '0.0.0.0',
      httpPort: 8080,
      httpsPort: 8443,
      lanIps: ['192.0.2.7', '198.51.100.3'],
      hostName: 'edge-box',
      certificate: { source: 'generated', fingerprint: 'AB:CD' },
    });
    expect(a.local).toBe('http://localhost:8080');
    expect(a.lan).toEqual([
      'https://192.0.2.7:8443',
      'https://198.51.100.3:8443',
      'https://edge-box:8443',
    ]);
    const text = banner(a);
    expect(text.split('\n')[0]).toBe(
      'Edgent edge listening on http://localhost:8080 and https://localhost:8443',
    );
    for (const url of a.lan) expect(text).toContain(url);
    expect(text).toMatch(/self-signed: accept it once/);
    expect(text).toContain('Scan to open https://192.0.2.7:8443');
    // The QR code: a square of block characters, two modules per character row.
    const rows = text.split('\n').filter((l) => /^ +[█▀▄ ]+$/.test(l) && /[█▀▄]/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(12);
    expect(new Set(rows.map((r) => r.trimEnd().length)).size).toBe(1);
    expect(banner(a, { qr: false })).not.toContain('Scan');
  });

  it('names no LAN address on loopback, and plain-HTTP ones without HTTPS', () => {
    const loop = edgeAddresses({
      host: '127.0.0.1',
      httpPort: 1,
      httpsPort: 2,
      lanIps: ['192.0.2.7'],
    });
    expect(loop.lan).toEqual([]);
    expect(banner(loop)).not.toContain('192.0.2.7');
    const plain = edgeAddresses({ host: '0.0.0.0', httpPort: 8080, lanIps: ['192.0.2.7'] });
    expect(plain.lan).toEqual([]);
    expect(banner(plain)).toContain('http://192.0.2.7:8080');
    expect(banner(plain)).toMatch(/no camera/);
  });

  it('hides token values in logged URLs', () => {
    expect(redactUrl('/ws?token=s3cret-value&x=1')).toBe('/ws?token=<hidden>&x=1');
    expect(redactUrl('/a?b=1&TOKEN=zz')).toBe('/a?b=1&TOKEN=<hidden>');
  });
});

/** GET `url`, resolving with the status, headers and body. */
function fetchRaw(url: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const get = url.startsWith('https:') ? httpsGet : httpGet;
      get(url, { rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      }).on('error', reject);
    },
  );
}

describe('serve with HTTPS', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(
      {
        modelDir: defaultModelDir,
        workers: 1,
        logger: false,
        cacheDir: join(dir, 'cache'),
        profileFile: join(defaultModelDir, 'profiles', 'edge.json'),
      },
      { port: 0, host: '127.0.0.1', https: { port: 0 } },
    );
  }, 60_000);
  afterAll(async () => {
    await served?.app.close();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(signal);
  });

  it('answers the same routes with the same headers on both listeners', async () => {
    expect(served.httpsUrl).toMatch(/^https:\/\/localhost:\d+$/);
    const plain = await fetchRaw(`${served.url.replace('localhost', '127.0.0.1')}/api/health`);
    const secure = await fetchRaw(
      `${served.httpsUrl?.replace('localhost', '127.0.0.1')}/api/health`,
    );
    expect(secure.status).toBe(200);
    expect(secure.body).toBe(plain.body);
    for (const h of ['cross-origin-opener-policy', 'cross-origin-embedder-policy']) {
      expect(secure.headers[h]).toBe(plain.headers[h]);
      expect(secure.headers[h]).toBeTruthy();
    }
  });

  it('tells the page its HTTPS and HTTP addresses once it listens', async () => {
    const res = await fetchRaw(`${served.url.replace('localhost', '127.0.0.1')}/api/addresses`);
    expect(JSON.parse(res.body)).toEqual({
      https: [served.httpsUrl],
      http: [served.url],
    });
  });

  it('serves co-inference sessions over wss', async () => {
    const { manifest } = await readModelDir(defaultModelDir);
    const port = new URL(served.httpsUrl ?? '').port;
    const socket = new WebSocket(`wss://127.0.0.1:${port}/ws`, { rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = await EdgeClient.connect(wsChannel(socket as never), {
      model: { id: manifest.id, hash: manifest.hash },
      now: () => performance.now(),
    });
    const reply = await client.request({
      exit: 0,
      partition: 0,
      dtype: 'uint8',
      shape: [1, 28, 28, 1],
      payload: new Uint8Array(784),
    });
    expect(reply.shape).toEqual([1, 10]);
    client.close();
  });
});
