import { encodeControl, parseControl } from '@edgent/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type BrowserSocket,
  type ConnectionState,
  EdgeConnection,
  edgeSocketUrl,
} from '../src/connection';

const HASH = `sha256:${'b'.repeat(64)}`;

type Listener = (event: { data?: unknown; code?: number; reason?: string }) => void;

/** A WebSocket stand-in: opens or fails on the next tick, answers hello as told. */
class FakeSocket {
  binaryType = 'blob';
  readyState = 0;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(private readonly behaviour: 'unreachable' | 'accept' | 'refuse') {
    setTimeout(() => {
      if (behaviour === 'unreachable') {
        this.readyState = 3;
        this.emit('error', {});
        this.emit('close', { code: 1006, reason: '' });
      } else {
        this.readyState = 1;
        this.emit('open', {});
      }
    }, 0);
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  emit(type: string, event: Parameters<Listener>[0]): void {
    for (const l of this.listeners.get(type) ?? []) l(event);
  }

  send(data: Uint8Array | string): void {
    if (typeof data !== 'string') return;
    const msg = parseControl(data);
    if (!msg.ok || msg.value.type !== 'hello') return;
    const reply =
      this.behaviour === 'accept'
        ? encodeControl({
            type: 'helloOk',
            modelId: msg.value.modelId,
            modelHash: msg.value.modelHash,
            protocolVersion: 1,
            maxPayloadBytes: 1 << 20,
          })
        : encodeControl({
            type: 'helloRefused',
            code: 'EDGENT_ERR_MODEL_MISMATCH',
            message: 'this edge serves another model',
          });
    setTimeout(() => this.emit('message', { data: reply }), 0);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setTimeout(() => this.emit('close', { code, reason }), 0);
  }
}

function connection(plan: FakeSocket['behaviour'][]) {
  const states: ConnectionState[] = [];
  const clients: (object | undefined)[] = [];
  const sockets: FakeSocket[] = [];
  const conn = new EdgeConnection({
    url: 'ws://edge.test/ws',
    model: { id: 'm', hash: HASH },
    now: () => Date.now(),
    open: () => {
      const s = new FakeSocket(plan[sockets.length] ?? 'unreachable');
      sockets.push(s);
      return s as unknown as BrowserSocket;
    },
    onState: (s) => states.push(s),
    onClient: (c) => clients.push(c),
  });
  return { conn, states, clients, sockets };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('EdgeConnection', () => {
  it('retries an unreachable edge with a doubling wait, then connects', async () => {
    const { conn, states, clients } = connection([
      'unreachable',
      'unreachable',
      'unreachable',
      'accept',
    ]);
    conn.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(states.at(-1)).toMatchObject({
      status: 'offline',
      retryInMs: 500,
      failures: 1,
      error: { code: 'EDGENT_ERR_UNREACHABLE' },
    });
    await vi.advanceTimersByTimeAsync(505);
    expect(states.at(-1)).toMatchObject({ status: 'offline', retryInMs: 1000, failures: 2 });
    // Not before the wait is over.
    await vi.advanceTimersByTimeAsync(990);
    expect(states.at(-1)?.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(15);
    expect(states.at(-1)).toMatchObject({ status: 'offline', retryInMs: 2000, failures: 3 });
    await vi.advanceTimersByTimeAsync(2005);
    expect(states.at(-1)).toEqual({ status: 'connected', failures: 0 });
    expect(clients).toHaveLength(1);
    expect(states.map((s) => s.status)).toContain('connecting');
    conn.stop();
  });

  it('reports a lost session, forgets the client and reconnects', async () => {
    const { conn, states, clients, sockets } = connection(['accept', 'accept']);
    conn.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(states.at(-1)?.status).toBe('connected');
    sockets[0]?.close(1001, 'going away');
    await vi.advanceTimersByTimeAsync(1);
    expect(clients).toEqual([expect.any(Object), undefined]);
    expect(states.at(-1)).toMatchObject({
      status: 'offline',
      error: { code: 'EDGENT_ERR_CLOSED' },
    });
    await vi.advanceTimersByTimeAsync(501);
    expect(states.at(-1)?.status).toBe('connected');
    expect(clients).toHaveLength(3);
    conn.stop();
  });

  it('says when the edge refuses the model, and keeps retrying', async () => {
    const { conn, states, sockets } = connection(['refuse', 'refuse']);
    conn.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(states.at(-1)).toMatchObject({
      status: 'offline',
      error: { code: 'EDGENT_ERR_MODEL_MISMATCH', message: 'this edge serves another model' },
    });
    await vi.advanceTimersByTimeAsync(501);
    expect(sockets).toHaveLength(2);
    conn.stop();
  });

  it('stops retrying when stopped', async () => {
    const { conn, sockets } = connection([]);
    conn.start();
    await vi.advanceTimersByTimeAsync(1);
    conn.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('builds the /ws URL of the page origin', () => {
    expect(edgeSocketUrl({ protocol: 'http:', host: 'localhost:8080' })).toBe(
      'ws://localhost:8080/ws',
    );
    expect(edgeSocketUrl({ protocol: 'https:', host: 'edge.example' })).toBe(
      'wss://edge.example/ws',
    );
    // An edge with --token: the page's own ?token= goes on to /ws.
    expect(
      edgeSocketUrl({ protocol: 'https:', host: 'edge.lan:8443', search: '?x=1&token=a%2Fb%20c' }),
    ).toBe('wss://edge.lan:8443/ws?token=a%2Fb%20c');
  });
});
