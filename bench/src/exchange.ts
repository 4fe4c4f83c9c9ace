/**
 * A WebSocket to the edge used one message at a time: send, then wait for
 * the one message the edge answers with (or the close). For benches that
 * count how every message was answered.
 */
import { WebSocket } from 'ws';

/** What came back for one message. */
export type Answer =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'timeout' };

/** One connection, answers read in order. */
export class Exchange {
  readonly socket: WebSocket;
  readonly #inbox: Answer[] = [];
  #wake: (() => void) | undefined;
  #closed: Answer | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.#inbox.push(
        isBinary
          ? { kind: 'binary', bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
          : { kind: 'text', text: data.toString() },
      );
      this.#wake?.();
    });
    socket.on('close', (code, reason) => {
      this.#closed = { kind: 'closed', code, reason: reason.toString() };
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  /** Opens `<url>/ws` (http:// or ws://). */
  static open(url: string, headers: Record<string, string> = {}): Promise<Exchange> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers });
    const exchange = new Exchange(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(exchange));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`/ws answered HTTP ${res.statusCode}`)),
      );
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends `message` and resolves with the next message received (or the close, or a timeout). */
  async send(message: Uint8Array | string, timeoutMs = 20_000): Promise<Answer> {
    if (this.#closed) return this.#closed;
    this.socket.send(message);
    return this.next(timeoutMs);
  }

  /** The next message received, or the close, or a timeout. */
  async next(timeoutMs = 20_000): Promise<Answer> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const first = this.#inbox.shift();
      if (first) return first;
      if (this.#closed) return this.#closed;
      const left = end - performance.now();
      if (left <= 0) return { kind: 'timeout' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}
