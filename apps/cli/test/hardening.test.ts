/**
 * Issue 10: no single client can hang, crash or starve the edge. Each
 * finding of the issue has its test here, against a real `edgent serve`
 * (a child process on a loopback port) and real WebSocket clients that
 * misbehave as an attacker's would.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeProcess, Peer, type Received, scrape, startEdge } from './edge-process';

const TOKEN = 'hardening-token-0123';
const auth = { authorization: `Bearer ${TOKEN}` };
const PARTNER = 'https://partner.example';

let edge: EdgeProcess;
let tracesDir: string;

beforeAll(async () => {
  tracesDir = await mkdtemp(join(tmpdir(), 'edgent-hardening-'));
  await writeFile(join(tracesDir, 'steady.tsv'), '0\t2\n1\t2\n');
  // An entry named like a trace that cannot be read as one.
  await mkdir(join(tracesDir, 'x.tsv'));
  edge = await startEdge([
    '--token',
    TOKEN,
    '--traces-dir',
    tracesDir,
    '--allow-origin',
    PARTNER,
    '--allow-host',
    'edge.lan',
  ]);
}, 120_000);

afterAll(async () => {
  await edge?.stop();
  await rm(tracesDir, { recursive: true, force: true });
}, 60_000);

const isControl = (type: string) => (m: Received) => m.kind === 'control' && m.type === type;
const isAnswer = (id: number) => (m: Received) => m.kind === 'frame' && m.frame.requestId === id;

async function health(): Promise<Response> {
  return fetch(`${edge.url}/api/health`, { signal: AbortSignal.timeout(15_000) });
}

/**
 * Waits until the one worker has dealt with everything queued before: a new session's request
 * queues behind it all and is answered last.
 */
async function idle(): Promise<void> {
  const peer = await Peer.hello(edge.url, auth);
  const id = peer.request(1);
  if (!(await peer.next(isAnswer(id), 60_000))) throw new Error('the edge did not answer in 60 s');
  peer.socket.close();
}

describe('1. link settings the emulator cannot use', () => {
  it('refuses a trace scale of 1e-300 and a rate of 1 bit/s with coded errors, and keeps answering', async () => {
    const peer = await Peer.hello(edge.url, auth);
    peer.raw(JSON.stringify({ type: 'link', mode: 'trace', trace: 'steady', scale: 1e-300 }));
    const scale = await peer.next(isControl('error'));
    expect(scale).toMatchObject({ code: 'EDGENT_ERR_CONTROL_INVALID' });
    expect(scale?.message).toMatch(/link\.scale: Too small: expected number to be >=0\.001/);
    expect((await health()).status).toBe(200);

    peer.received.length = 0;
    peer.raw(JSON.stringify({ type: 'link', mode: 'fixed', rateBps: 1 }));
    const rate = await peer.next(isControl('error'));
    expect(rate).toMatchObject({ code: 'EDGENT_ERR_CONTROL_INVALID' });
    expect(rate?.message).toMatch(/link\.rateBps: Too small: expected number to be >=1000/);

    // The session goes on: the slowest allowed trace scale is taken and echoed.
    peer.received.length = 0;
    peer.control({ type: 'link', mode: 'trace', trace: 'steady', scale: 0.001 });
    expect(await peer.next(isControl('link'))).toBeDefined();
    expect((await health()).status).toBe(200);
    peer.socket.close();
  });
});

describe('2. a trace entry that cannot be read', () => {
  it('answers EDGENT_ERR_TRACE_UNREADABLE for a folder named x.tsv; the process lives and the session goes on', async () => {
    const peer = await Peer.hello(edge.url, auth);
    peer.control({ type: 'link', mode: 'trace', trace: 'x' });
    const error = await peer.next(isControl('error'));
    expect(error).toMatchObject({ code: 'EDGENT_ERR_TRACE_UNREADABLE' });
    expect(error?.message).toMatch(/trace "x" in .* cannot be read \(EISDIR\); available: steady/);
    expect(edge.child.exitCode).toBeNull();
    expect((await health()).status).toBe(200);
    peer.received.length = 0;
    peer.control({ type: 'link', mode: 'trace', trace: 'steady' });
    expect(await peer.next(isControl('link'))).toBeDefined();
    peer.socket.close();
  });
});

describe('3. work per frame is bounded', () => {
  it('answers a 64-image frame, and ends the session of a 65-image one with EDGENT_ERR_BATCH_TOO_LARGE and 1008', async () => {
    const peer = await Peer.hello(edge.url, auth);
    const ok = peer.request(64);
    const answer = await peer.next(isAnswer(ok));
    expect(answer?.kind === 'frame' && answer.frame.type).toBe('result');
    expect(answer?.kind === 'frame' && answer.frame.shape).toEqual([64, 10]);

    const tooMany = peer.request(65);
    const refused = await peer.next(isAnswer(tooMany));
    expect(refused).toMatchObject({ code: 'EDGENT_ERR_BATCH_TOO_LARGE' });
    expect(refused?.message).toMatch(/at most 64 examples .* this one carries 65/);
    expect(await peer.closed).toEqual({ code: 1008, reason: 'EDGENT_ERR_BATCH_TOO_LARGE' });
    expect((await health()).status).toBe(200);
    // The device was told the bound when it said hello.
    const hello = peer.received.find(isControl('helloOk'));
    expect(hello?.kind === 'control' && hello.value).toMatchObject({ maxBatch: 64 });
  });
});

describe('4. the token, on the route the router decodes', () => {
  it('guards POST /api/profile/%72efresh and /metrics, and never logs a token, however its name is encoded', async () => {
    for (const path of [
      '/api/profile/refresh',
      '/api/profile/%72efresh',
      '/api/profile/refres%68',
    ]) {
      const res = await fetch(`${edge.url}${path}`, { method: 'POST' });
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'EDGENT_ERR_UNAUTHORIZED' });
    }
    expect((await fetch(`${edge.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${edge.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } }))
        .status,
    ).toBe(401);
    expect((await fetch(`${edge.url}/metrics`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${edge.url}/metrics?token=${TOKEN}`)).status).toBe(200);
    expect((await fetch(`${edge.url}/metrics?%74oken=${TOKEN}`)).status).toBe(200);
    // A name only the router decodes to `token` must not carry a secret into the log.
    await fetch(`${edge.url}/api/models?%74oken=LEAKED-ONE&TOKEN=LEAKED-TWO&x=1`);
    await fetch(`${edge.url}/api/traces?to%6Ben=LEAKED-THREE`);
    await new Promise((r) => setTimeout(r, 300));
    const log = edge.output();
    expect(log).toContain('/api/models?%74oken=<hidden>&TOKEN=<hidden>&x=1');
    expect(log).toContain('/api/traces?to%6Ben=<hidden>');
    for (const secret of ['LEAKED-ONE', 'LEAKED-TWO', 'LEAKED-THREE', TOKEN]) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('5. a device that does not read', () => {
  it('asks for profiles without reading: cut off with EDGENT_ERR_BACKLOG once its queue passes the bound', async () => {
    const before = await scrape(edge.url, auth);
    const peer = await Peer.hello(edge.url, auth);
    peer.socket.pause();
    let cut = false;
    let sent = 0;
    const until = Date.now() + 60_000;
    while (!cut && sent < 4_000 && Date.now() < until) {
      for (let i = 0; i < 50; i++) peer.control({ type: 'profileRequest' });
      sent += 50;
      await new Promise((r) => setTimeout(r, 20));
      const m = await scrape(edge.url, auth);
      cut =
        m.value('edgent_errors_total', { code: 'EDGENT_ERR_BACKLOG' }) >
        (before.value('edgent_errors_total', { code: 'EDGENT_ERR_BACKLOG' }) || 0);
    }
    expect(cut, `no EDGENT_ERR_BACKLOG after ${sent} profile requests`).toBe(true);
    peer.socket.resume();
    const { code } = await peer.closed;
    // 1008 when the close frame got through before the edge cut the socket, 1006 when not.
    expect([1008, 1006]).toContain(code);
    expect((await health()).status).toBe(200);
  });
});

describe('7. abandoned work', () => {
  it("drops a closed session's queued requests before they reach a worker", async () => {
    await idle();
    const before = await scrape(edge.url, auth);
    const peer = await Peer.hello(edge.url, auth);
    for (let i = 0; i < 8; i++) peer.request(64);
    // Closed once they all reached the edge.
    await peer.reached();
    peer.socket.close();
    await peer.closed;
    await idle();
    const delta = (
      m: Awaited<ReturnType<typeof scrape>>,
      name: string,
      labels: Record<string, string>,
    ) => (m.value(name, labels) || 0) - (before.value(name, labels) || 0);
    const tasks = (m: Awaited<ReturnType<typeof scrape>>, outcome: string) =>
      delta(m, 'edgent_worker_tasks_total', { outcome });
    // Every task the worker took is counted once its outcome is back (bounded wait).
    let after = await scrape(edge.url, auth);
    for (let i = 0; i < 100; i++) {
      const counted = ['done', 'skipped', 'failed'].reduce((n, o) => n + tasks(after, o), 0);
      if (counted >= 9) break;
      await new Promise((r) => setTimeout(r, 100));
      after = await scrape(edge.url, auth);
    }
    // Each takes ~100 ms in the one worker: at most the one or two it had started run to the end
    // (answered only if they ended before the close arrived; idle()'s own request is one of them).
    expect(delta(after, 'edgent_requests_total', { outcome: 'ok' })).toBeLessThanOrEqual(
      tasks(after, 'done'),
    );
    expect(tasks(after, 'done') + tasks(after, 'skipped') + tasks(after, 'failed')).toBe(9);
    expect(tasks(after, 'done')).toBeLessThanOrEqual(3);
    expect(tasks(after, 'skipped')).toBeGreaterThanOrEqual(5);
  });
});

describe('9. origins and hosts', () => {
  it('by default (no --allow-origin) lets only pages of the edge itself open /ws', async () => {
    const plain = await startEdge();
    try {
      await expect(Peer.open(plain.url, { origin: 'https://evil.example' })).rejects.toMatchObject({
        status: 403,
      });
      (await Peer.open(plain.url, { origin: plain.url })).socket.close();
      (await Peer.open(plain.url, { origin: `http://localhost:${plain.port}` })).socket.close();
    } finally {
      await plain.stop();
    }
  }, 120_000);

  it('refuses a page of another origin at /ws, and takes the same origin, a listed one and none', async () => {
    await expect(
      Peer.open(edge.url, { ...auth, origin: 'https://evil.example' }),
    ).rejects.toMatchObject({
      status: 403,
      body: expect.stringContaining('EDGENT_ERR_ORIGIN'),
    });
    for (const origin of [edge.url, PARTNER]) {
      const peer = await Peer.open(edge.url, { ...auth, origin });
      peer.socket.close();
    }
    (await Peer.open(edge.url, auth)).socket.close();
  });

  it('refuses a DNS-rebinding request (Host and Origin both the attacker’s name), on /ws and over HTTP', async () => {
    const host = `attacker.example:${edge.port}`;
    await expect(
      Peer.open(edge.url, { ...auth, host, origin: `http://${host}` }),
    ).rejects.toMatchObject({
      status: 403,
      body: expect.stringContaining('EDGENT_ERR_HOST_NOT_ALLOWED'),
    });
    const page = await rawGet('/', host);
    expect(page.status).toBe(403);
    expect(page.body).toContain('--allow-host attacker.example');
    // A name the operator allowed, and the loopback address, are served.
    expect((await rawGet('/api/health', `edge.lan:${edge.port}`)).status).toBe(200);
    expect((await rawGet('/api/health', `localhost:${edge.port}`)).status).toBe(200);
    const peer = await Peer.open(edge.url, {
      ...auth,
      host: `edge.lan:${edge.port}`,
      origin: `http://edge.lan:${edge.port}`,
    });
    peer.socket.close();
  });
});

/** GET with a Host header of our choosing (fetch does not let one set it). */
async function rawGet(path: string, host: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: edge.port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('10. hygiene', () => {
  it('sends CSP, nosniff, no-framing and referrer headers on the page and the API', async () => {
    for (const path of ['/', '/api/health']) {
      const res = await fetch(`${edge.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), path).toBe('require-corp');
    }
  });

  it('says ready apart from alive', async () => {
    const ready = await fetch(`${edge.url}/api/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      reasons: [],
      pool: { ready: 1, workers: 1 },
    });
    expect(await (await health()).json()).toMatchObject({
      status: 'ok',
      pool: { ready: 1, workers: 1 },
    });
  });

  it('exports metrics Prometheus accepts: no gauge ends in _total, in-flight counts the queued, per-worker tensors and heap', async () => {
    await idle();
    const peer = await Peer.hello(edge.url, auth);
    for (let i = 0; i < 8; i++) peer.request(64);
    const m = await scrape(edge.url, auth);
    const types = [...m.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]]);
    expect(types.length).toBeGreaterThan(20);
    for (const [name, type] of types) {
      if (type === 'counter') expect(name, `counter ${name}`).toMatch(/_total$/);
      else expect(name, `${type} ${name}`).not.toMatch(/_total$/);
    }
    const inFlight = m.value('edgent_requests_in_flight');
    const queued = m.value('edgent_queue_depth');
    const running = m.value('edgent_requests_running');
    expect(inFlight).toBeGreaterThanOrEqual(queued + running);
    expect(inFlight).toBeGreaterThan(running);
    expect(m.value('edgent_worker_tensors', { worker: '0' })).toBeGreaterThan(0);
    expect(m.value('edgent_worker_heap_bytes', { worker: '0' })).toBeGreaterThan(0);
    expect(m.value('edgent_worker_wasm_memory_bytes', { worker: '0' })).toBeGreaterThan(0);
    expect(m.value('edgent_pool_workers_ready')).toBe(1);
    for (let id = 1; id <= 8; id++) expect(await peer.next(isAnswer(id))).toBeDefined();
    peer.socket.close();
  });
});

describe('8. re-profiling (last: it starts a profiling run on the edge)', () => {
  it('refuses a cross-site POST, then allows one re-profiling a minute (429 after)', async () => {
    const refresh = (headers: Record<string, string>) =>
      fetch(`${edge.url}/api/profile/refresh`, {
        method: 'POST',
        headers: { ...auth, ...headers },
      });
    const crossSite = await refresh({ origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ code: 'EDGENT_ERR_ORIGIN' });
    expect((await refresh({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await refresh({ origin: edge.url, 'sec-fetch-site': 'same-origin' })).status).toBe(202);
    const again = await refresh({});
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await again.json()).toMatchObject({ code: 'EDGENT_ERR_RATE_LIMITED' });
  });
});
