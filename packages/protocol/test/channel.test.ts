/**
 * Channels: memoryPair delivers in order, asynchronously, with copies, holds
 * messages until a handler is set, and closes both ends once; wsChannel maps
 * a WebSocket's events and payload types onto the same interface.
 */
import { describe, expect, it } from 'vitest';
import {
  type Channel,
  type ChannelMessage,
  memoryPair,
  type WebSocketLike,
  type WebSocketLikeEvent,
  wsChannel,
} from '../src/index';

/** Lets queued microtasks (and the ones they queue) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function collect(channel: Channel): ChannelMessage[] {
  const got: ChannelMessage[] = [];
  channel.onMessage((m) => got.push(m));
  return got;
}

function collectCloses(channel: Channel): [number, string][] {
  const got: [number, string][] = [];
  channel.onClose((code, reason) => got.push([code, reason]));
  return got;
}

describe('memoryPair', () => {
  it('delivers asynchronously and in order, both ways', async () => {
    const [a, b] = memoryPair();
    const atB = collect(b);
    const atA = collect(a);
    for (let i = 0; i < 50; i++) expect(a.send(`m${i}`)).toBe(true);
    b.send(new Uint8Array([9]));
    expect(atB).toEqual([]);
    expect(atA).toEqual([]);
    await settle();
    expect(atB).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect(atA).toEqual([new Uint8Array([9])]);
  });

  it('holds messages sent before the handler is set, then delivers them first', async () => {
    const [a, b] = memoryPair();
    a.send('first');
    a.send(new Uint8Array([1, 2]));
    await settle();
    const got = collect(b);
    a.send('third');
    await settle();
    expect(got).toEqual(['first', new Uint8Array([1, 2]), 'third']);
  });

  it('sends to the latest handler only', async () => {
    const [a, b] = memoryPair();
    const old = collect(b);
    const latest = collect(b);
    a.send('x');
    await settle();
    expect(old).toEqual([]);
    expect(latest).toEqual(['x']);
  });

  it('preserves text and bytes, copying bytes so the sender may reuse its buffer', async () => {
    const [a, b] = memoryPair();
    const got = collect(b);
    const backing = new Uint8Array([0, 1, 2, 3, 4, 5]);
    const view = backing.subarray(2, 5);
    a.send(view);
    a.send('héllo ✓');
    view.fill(77);
    await settle();
    expect(got).toHaveLength(2);
    const bytes = got[0];
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes).toEqual(new Uint8Array([2, 3, 4]));
    expect((bytes as Uint8Array).buffer).not.toBe(backing.buffer);
    expect(got[1]).toBe('héllo ✓');
  });

  it.each(['a', 'b'] as const)('closing from %s fires both close handlers once', async (side) => {
    const [a, b] = memoryPair();
    const closesA = collectCloses(a);
    const closesB = collectCloses(b);
    const closer = side === 'a' ? a : b;
    closer.close(4001, 'bye');
    closer.close(4002, 'again');
    (side === 'a' ? b : a).close(4003, 'other side too');
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(true);
    await settle();
    expect(closesA).toEqual([[4001, 'bye']]);
    expect(closesB).toEqual([[4001, 'bye']]);
  });

  it('closes with 1000 and no reason by default', async () => {
    const [a, b] = memoryPair();
    const closesB = collectCloses(b);
    a.close();
    await settle();
    expect(closesB).toEqual([[1000, '']]);
  });

  it('refuses sends after close from either end, but delivers what was sent before', async () => {
    const [a, b] = memoryPair();
    const events: string[] = [];
    b.onMessage((m) => events.push(`message ${String(m)}`));
    b.onClose(() => events.push('close'));
    a.send('before');
    a.close();
    expect(a.send('after')).toBe(false);
    expect(b.send('reply')).toBe(false);
    expect(a.send(new Uint8Array([1]))).toBe(false);
    await settle();
    expect(events).toEqual(['message before', 'close']);
  });

  it('runs a close handler set after the close happened', async () => {
    const [a, b] = memoryPair();
    a.close(4000, 'early');
    await settle();
    const closesB = collectCloses(b);
    await settle();
    expect(closesB).toEqual([[4000, 'early']]);
  });
});

/** A socket that records what is sent to it and lets the test fire its events. */
class FakeSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 1;
  readonly sent: (Uint8Array | string)[] = [];
  readonly closeCalls: [number | undefined, string | undefined][] = [];
  private readonly listeners = new Map<string, ((event: WebSocketLikeEvent) => void)[]>();

  send(data: Uint8Array | string): void {
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push([code, reason]);
    this.readyState = 2;
  }

  addEventListener(type: 'message' | 'close', listener: (event: WebSocketLikeEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  emit(type: 'message' | 'close', event: WebSocketLikeEvent): void {
    if (type === 'close') this.readyState = 3;
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

describe('wsChannel', () => {
  it('fits the browser WebSocket type', () => {
    const fits = (socket: WebSocket): WebSocketLike => socket;
    expect(typeof fits).toBe('function');
  });

  it('sets binaryType to arraybuffer', () => {
    const socket = new FakeSocket();
    wsChannel(socket);
    expect(socket.binaryType).toBe('arraybuffer');
  });

  it('turns ArrayBuffer, typed arrays and Buffer-like slices into Uint8Array views without copying', async () => {
    const socket = new FakeSocket();
    const channel = wsChannel(socket);
    const got = collect(channel);
    const arrayBuffer = new Uint8Array([1, 2, 3]).buffer;
    const backing = new ArrayBuffer(16);
    new Uint8Array(backing).set([10, 11, 12, 13], 4);
    const int16 = new Int16Array(backing, 4, 2);
    // A Node Buffer is a Uint8Array subclass, often a slice of a shared pool.
    class PoolSlice extends Uint8Array {}
    const pool = new ArrayBuffer(8);
    new Uint8Array(pool).set([7, 8, 9, 10, 11]);
    const buffer = new PoolSlice(pool, 1, 3);
    socket.emit('message', { data: arrayBuffer });
    socket.emit('message', { data: int16 });
    socket.emit('message', { data: buffer });
    socket.emit('message', { data: 'text ✓' });
    await settle();
    expect(got).toHaveLength(4);
    const [fromArrayBuffer, fromInt16, fromBuffer, text] = got as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      string,
    ];
    expect(fromArrayBuffer).toEqual(new Uint8Array([1, 2, 3]));
    expect(fromArrayBuffer.buffer).toBe(arrayBuffer);
    expect(fromInt16).toEqual(new Uint8Array([10, 11, 12, 13]));
    expect(fromInt16.buffer).toBe(backing);
    expect(fromInt16.byteOffset).toBe(4);
    expect(fromBuffer.constructor).toBe(Uint8Array);
    expect(fromBuffer).toEqual(new Uint8Array([8, 9, 10]));
    expect(fromBuffer.buffer).toBe(buffer.buffer);
    expect(text).toBe('text ✓');
  });

  it('holds messages until a handler is set, in order', async () => {
    const socket = new FakeSocket();
    const channel = wsChannel(socket);
    socket.emit('message', { data: 'one' });
    socket.emit('message', { data: 'two' });
    await settle();
    const got = collect(channel);
    socket.emit('message', { data: 'three' });
    await settle();
    expect(got).toEqual(['one', 'two', 'three']);
  });

  it('sends text as is and a copy of bytes, while open', () => {
    const socket = new FakeSocket();
    const channel = wsChannel(socket);
    const bytes = new Uint8Array([4, 5, 6]);
    expect(channel.send(bytes)).toBe(true);
    expect(channel.send('hello')).toBe(true);
    bytes.fill(0);
    expect(socket.sent).toEqual([new Uint8Array([4, 5, 6]), 'hello']);
  });

  it('refuses sends while connecting and after close', () => {
    const socket = new FakeSocket();
    socket.readyState = 0;
    const channel = wsChannel(socket);
    expect(channel.closed).toBe(false);
    expect(channel.send('early')).toBe(false);
    socket.readyState = 1;
    channel.close(4000, 'done');
    expect(channel.closed).toBe(true);
    expect(channel.send('late')).toBe(false);
    expect(socket.sent).toEqual([]);
  });

  it('closes the socket once and reports its close event once, after earlier messages', async () => {
    const socket = new FakeSocket();
    const channel = wsChannel(socket);
    const events: string[] = [];
    channel.onMessage((m) => events.push(`message ${String(m)}`));
    channel.onClose((code, reason) => events.push(`close ${code} ${reason}`));
    channel.close(4000, 'done');
    channel.close(4001, 'again');
    expect(socket.closeCalls).toEqual([[4000, 'done']]);
    socket.emit('message', { data: 'last' });
    socket.emit('close', { code: 4000, reason: 'done' });
    socket.emit('close', { code: 4000, reason: 'done' });
    await settle();
    expect(events).toEqual(['message last', 'close 4000 done']);
  });

  it('reports a close the other side started, and is closed from then on', async () => {
    const socket = new FakeSocket();
    const channel = wsChannel(socket);
    const closes = collectCloses(channel);
    socket.emit('close', { code: 1001, reason: 'going away' });
    expect(channel.closed).toBe(true);
    expect(channel.send('x')).toBe(false);
    channel.close();
    expect(socket.closeCalls).toEqual([]);
    await settle();
    expect(closes).toEqual([[1001, 'going away']]);
  });
});
