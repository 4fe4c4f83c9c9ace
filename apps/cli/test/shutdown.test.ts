/**
 * Issue 10, findings 6 and 7: `edgent serve` drains on SIGTERM (every request
 * in flight answered, then EDGENT_ERR_GOING_AWAY and close 1001, exit within
 * --drain-timeout), and a timed-out request's work is dropped before a
 * worker starts it. Real child processes and real WebSocket clients.
 */
import { describe, expect, it } from 'vitest';
import { Peer, type Received, scrape, startEdge } from './edge-process';

const isAnswer = (id: number) => (m: Received) => m.kind === 'frame' && m.frame.requestId === id;

/** Waits (bounded) until `ok()` holds. */
async function until(ok: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Sends `perPeer` requests of 64 images on each of `peers` sessions; resolves once all reached the edge. */
async function load(url: string, peers: number, perPeer: number) {
  const sessions = await Promise.all(Array.from({ length: peers }, () => Peer.hello(url)));
  const ids = sessions.map((p) => Array.from({ length: perPeer }, () => p.request(64)));
  await Promise.all(sessions.map((p) => p.reached()));
  return { sessions, ids, total: peers * perPeer };
}

describe('SIGTERM during load', () => {
  it('answers every request in flight with its result, then says going away, closes 1001 and exits 0', async () => {
    const edge = await startEdge(['--workers', '2', '--drain-timeout', '60s']);
    const { sessions, ids, total } = await load(edge.url, 3, 8);
    // 24 requests of ~0.1 s on two workers: most are still in flight.
    edge.child.kill('SIGTERM');
    const { code } = await edge.exited;
    expect(code).toBe(0);
    let results = 0;
    for (const [i, peer] of sessions.entries()) {
      for (const id of ids[i] ?? []) {
        const answers = peer.answersTo(id);
        expect(answers, `request ${id} of session ${i}`).toHaveLength(1);
        if (answers[0]?.kind === 'frame' && answers[0].frame.type === 'result') results++;
      }
      expect(peer.received.at(-1)).toMatchObject({ code: 'EDGENT_ERR_GOING_AWAY' });
      expect(await peer.closed).toEqual({ code: 1001, reason: 'EDGENT_ERR_GOING_AWAY' });
    }
    expect(results).toBe(total);
    expect(edge.output()).toMatch(/"msg":"drained and closed"/);
  }, 120_000);

  it('with a short --drain-timeout, answers what it cannot finish with EDGENT_ERR_GOING_AWAY and still exits in time', async () => {
    const edge = await startEdge(['--drain-timeout', '2s']);
    // 40 requests of ~0.1 s on one worker: more than the 2 s allow.
    const { sessions, ids } = await load(edge.url, 5, 8);
    edge.child.kill('SIGTERM');
    const { code } = await edge.exited;
    const outcomes = new Map<string, number>();
    for (const [i, peer] of sessions.entries()) {
      for (const id of ids[i] ?? []) {
        const answers = peer.answersTo(id);
        expect(answers, `request ${id} of session ${i}`).toHaveLength(1);
        const a = answers[0];
        const key = a?.kind === 'frame' && a.frame.type === 'result' ? 'result' : (a?.code ?? '?');
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      expect(await peer.closed).toEqual({ code: 1001, reason: 'EDGENT_ERR_GOING_AWAY' });
    }
    expect([...outcomes.keys()].every((k) => k === 'result' || k === 'EDGENT_ERR_GOING_AWAY')).toBe(
      true,
    );
    // The edge says which it was: drained in time (0), or out of time and exiting anyway (1).
    expect(edge.output()).toMatch(
      code === 0 ? /drained and closed/ : /drain timed out; exiting anyway/,
    );
  }, 120_000);
});

describe('a timed-out request', () => {
  it('is answered EDGENT_ERR_TIMEOUT, and skipped by the worker unless it had started', async () => {
    const edge = await startEdge(['--request-timeout', '30ms']);
    try {
      const peer = await Peer.hello(edge.url);
      const ids = Array.from({ length: 8 }, () => peer.request(64));
      for (const id of ids) expect(await peer.next(isAnswer(id))).toBeDefined();
      const codes = ids.map((id) => peer.answersTo(id)[0]).map((a) => a?.code ?? 'result');
      // Each takes ~100 ms: at most the one a worker had begun can beat a 30 ms timeout.
      expect(codes.filter((c) => c === 'EDGENT_ERR_TIMEOUT').length).toBeGreaterThanOrEqual(7);
      await until(
        async () => (await scrape(edge.url)).value('edgent_requests_running') === 0,
        'idle',
      );
      const m = await scrape(edge.url);
      const done = m.value('edgent_worker_tasks_total', { outcome: 'done' });
      const skipped = m.value('edgent_worker_tasks_total', { outcome: 'skipped' });
      expect(done + skipped).toBe(8);
      expect(done).toBeLessThanOrEqual(2);
      peer.socket.close();
    } finally {
      await edge.stop();
    }
  }, 120_000);
});

describe('a worker that breaks', () => {
  it('is replaced: its request gets EDGENT_ERR_WORKER_FAILED, readiness says 503 until the pool is whole, later requests are answered', async () => {
    // Bounds raised so that one frame can exhaust a worker's wasm memory (as --max-payload 8 MiB
    // did in issue 10, where every later request failed while /api/health said ok).
    const edge = await startEdge([
      '--max-batch',
      '65536',
      '--max-payload',
      String(32 * 2 ** 20),
      '--max-queued-bytes',
      String(128 * 2 ** 20),
      '--request-timeout',
      '150s',
    ]);
    try {
      const peer = await Peer.hello(edge.url);
      // 40,000 images: the first convolution's output alone (4 GB) is all a wasm worker can address.
      const id = peer.request(40_000);
      const failed = await peer.next(isAnswer(id), 150_000);
      expect(failed).toMatchObject({ code: 'EDGENT_ERR_WORKER_FAILED' });
      const notReady = await fetch(`${edge.url}/api/ready`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({
        ready: false,
        reasons: ['0 of 1 inference workers ready'],
      });
      expect(await (await fetch(`${edge.url}/api/health`)).json()).toMatchObject({
        status: 'degraded',
        pool: { ready: 0, workers: 1, replaced: 1 },
      });
      await until(
        async () => (await fetch(`${edge.url}/api/ready`)).status === 200,
        'ready again',
        60_000,
      );
      const m = await scrape(edge.url);
      expect(m.value('edgent_pool_worker_replacements_total')).toBe(1);
      expect(m.value('edgent_pool_workers_ready')).toBe(1);
      const next = peer.request(1);
      const answer = await peer.next(isAnswer(next));
      expect(answer?.kind === 'frame' && answer.frame.type).toBe('result');
      peer.socket.close();
    } finally {
      await edge.stop();
    }
  }, 240_000);
});
