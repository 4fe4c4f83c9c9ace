/**
 * A real `edgent serve` in a child process, as a person starts it, and a
 * raw WebSocket peer that can misbehave as a client would: for tests of
 * what the edge does under abuse, shutdown and policy (no mocks).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  decodeFrame,
  encodeControl,
  encodeFrame,
  type Frame,
  modelPrefixOf,
  parseControl,
  readErrorFrame,
} from '@edgent/protocol';
import { WebSocket } from 'ws';

const bin = fileURLToPath(new URL('../bin/edgent.js', import.meta.url));
const modelDir = fileURLToPath(new URL('../../../models/b-alexnet-fmnist/', import.meta.url));
const profile = `${modelDir}profiles/edge.json`;

/** The shipped model's id and hash, as a device says hello with them. */
const shippedModel: { id: string; hash: string } = (() => {
  const manifest = JSON.parse(readFileSync(`${modelDir}manifest.json`, 'utf8')) as {
    id: string;
    hash: string;
  };
  return { id: manifest.id, hash: manifest.hash };
})();

/** A running `edgent serve`. */
export interface EdgeProcess {
  /** http://<host>:<port> (host 127.0.0.1 unless given) */
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it printed so far, stdout then stderr interleaved as it came. */
  output(): string;
  /** Resolves when it exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGINT, then waits for the exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/**
 * Starts `edgent serve` on a free loopback port with one worker, the shipped
 * edge profile, no HTTPS or QR code, JSON logs, plus `args`. `prefix` runs it
 * under another command (e.g. `ip netns exec <namespace>`), listening on `host`.
 */
export async function startEdge(
  args: string[] = [],
  options: { prefix?: string[]; host?: string } = {},
): Promise<EdgeProcess> {
  const host = options.host ?? '127.0.0.1';
  const [command, ...before] = [...(options.prefix ?? []), process.execPath];
  const child = spawn(
    command as string,
    [
      ...before,
      bin,
      'serve',
      '--port',
      '0',
      '--host',
      host,
      '--no-https',
      '--no-qr',
      '--log-format',
      'json',
      '--workers',
      '1',
      '--profile-file',
      profile,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edgent serve did not start: ${out}`)), 90_000);
    const look = () => {
      const m = /Edgent edge listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', look);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`edgent serve exited ${code}: ${out}`));
    });
  });
  const port = Number(new URL(url).port);
  return {
    url: `http://${host}:${port}`,
    port,
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** A message a {@link Peer} received: control text parsed, frames decoded. */
export type Received =
  | { kind: 'control'; type: string; code?: string; message?: string; value: unknown }
  | { kind: 'frame'; frame: Frame; code?: string; message?: string };

/** A raw WebSocket client that records everything it receives. */
export class Peer {
  readonly received: Received[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly socket: WebSocket;
  #waiters: (() => void)[] = [];
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.received.push(isBinary ? fromFrame(data) : fromText(data.toString()));
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }

  /** Opens a socket to `<url>/ws`; rejects with the HTTP status when refused. */
  static open(url: string, headers: Record<string, string> = {}): Promise<Peer> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
    const peer = new Peer(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(peer));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () =>
          reject(
            Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), {
              status: res.statusCode,
              body,
            }),
          ),
        );
      });
    });
  }

  /** Opens a socket and says hello with the shipped model; resolves once the edge accepted it. */
  static async hello(url: string, headers: Record<string, string> = {}): Promise<Peer> {
    const peer = await Peer.open(url, headers);
    peer.control({ type: 'hello', modelId: shippedModel.id, modelHash: shippedModel.hash });
    const ok = await peer.next((m) => m.kind === 'control' && m.type === 'helloOk');
    if (!ok) throw new Error('no helloOk');
    return peer;
  }

  control(message: Parameters<typeof encodeControl>[0]): void {
    this.socket.send(encodeControl(message));
  }

  /** Sends any text, unchecked, as a client that does not use the protocol package would. */
  raw(text: string): void {
    this.socket.send(text);
  }

  /**
   * Sends a request for layers [0, end) of exit 4 on `batch` blank 28x28 images as raw bytes;
   * returns its request id.
   */
  request(batch: number, options: { exit?: number } = {}): number {
    const requestId = this.#nextId++;
    this.socket.send(
      encodeFrame({
        type: 'request',
        flags: 0,
        requestId,
        modelPrefix: modelPrefixOf(shippedModel.hash),
        exit: options.exit ?? 4,
        partition: 0,
        dtype: 'uint8',
        shape: [batch, 28, 28, 1],
        payload: new Uint8Array(batch * 784).fill(37),
      }),
    );
    return requestId;
  }

  /**
   * Sends a probe and waits for its reply: the edge handles a connection's frames in order and
   * answers a probe at once, so then it has received every frame sent before.
   */
  async reached(): Promise<void> {
    const requestId = this.#nextId++;
    this.socket.send(
      encodeFrame({
        type: 'probe',
        flags: 0,
        requestId,
        modelPrefix: modelPrefixOf(shippedModel.hash),
        exit: 0,
        partition: 0,
        dtype: 'uint8',
        shape: [0],
        payload: new Uint8Array(0),
      }),
    );
    const reply = await this.next((m) => m.kind === 'frame' && m.frame.requestId === requestId);
    if (!reply) throw new Error('no probe reply');
  }

  /**
   * The first message received (from the start, already received ones included) that matches,
   * or undefined when the socket closes or `timeoutMs` passes first.
   */
  async next(match: (m: Received) => boolean, timeoutMs = 30_000): Promise<Received | undefined> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (this.socket.readyState >= WebSocket.CLOSING || Date.now() >= until) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, until - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames received that answer `requestId` (result or error). */
  answersTo(requestId: number): Received[] {
    return this.received.filter((m) => m.kind === 'frame' && m.frame.requestId === requestId);
  }
}

function fromText(text: string): Received {
  const parsed = parseControl(text, { maxChars: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok) return { kind: 'control', type: 'unparsable', value: text };
  const value = parsed.value as { type: string; code?: string; message?: string };
  return {
    kind: 'control',
    type: value.type,
    ...(value.code === undefined ? {} : { code: value.code }),
    ...(value.message === undefined ? {} : { message: value.message }),
    value,
  };
}

function fromFrame(data: Buffer): Received {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const decoded = decodeFrame(bytes, { maxPayloadBytes: Number.MAX_SAFE_INTEGER });
  if (!decoded.ok) throw decoded.error;
  const frame = decoded.value;
  if (frame.type !== 'error') return { kind: 'frame', frame };
  const body = readErrorFrame(frame);
  return body.ok
    ? { kind: 'frame', frame, code: body.value.code, message: body.value.message }
    : { kind: 'frame', frame };
}

/** One scrape of the edge's /metrics (the benches' reader: bench/src/edge-process.ts). */
export { scrapeMetrics as scrape } from '../../../bench/src/edge-process';
