import { type WebSocketLike, wsChannel } from '@edgent/protocol';
import { type BackoffOptions, backoffMs, DEFAULT_BACKOFF } from './backoff';
import { EdgeClient } from './edge-client';
import { DeviceError } from './errors';

/**
 * A session with the edge kept alive (the page's, and `edgent device`'s): connect (WebSocket, then
 * hello with the model's id and hash), and when the socket closes or the
 * edge refuses, try again after an exponentially growing wait (capped), until
 * stopped. Whoever uses it is told of each new client and of each loss.
 */

/** What the page shows about the edge. */
export interface ConnectionState {
  status: 'connecting' | 'connected' | 'offline';
  /** Why the last attempt or session failed, until a session is up again. */
  error?: { code: string; message: string };
  /** When offline: the wait before the next attempt, ms. */
  retryInMs?: number;
  /** Failed attempts since the last session. */
  failures: number;
}

/** Options of {@link EdgeConnection}. */
export interface EdgeConnectionOptions {
  /** ws:// or wss:// URL of the edge's /ws. */
  url: string;
  model: { id: string; hash: string };
  now: () => number;
  /** The backend name the hello reports. */
  backend?: () => string;
  /** The client name the hello reports; default 'edgent web'. */
  name?: string;
  backoff?: BackoffOptions;
  /** Give up on one attempt (socket open and hello) after this long, ms. */
  attemptTimeoutMs?: number;
  /** Opens a socket; default the platform's WebSocket (browsers; Node from 22). */
  open?: (url: string) => BrowserSocket;
  onClient: (client: EdgeClient | undefined) => void;
  onState: (state: ConnectionState) => void;
}

/** The browser WebSocket as far as this module uses it. */
export type BrowserSocket = WebSocketLike & {
  addEventListener(type: 'open' | 'close' | 'error', listener: (event?: unknown) => void): void;
  readyState: number;
};

/**
 * The /ws URL of the edge that served the page. An edge started with `--token`
 * is opened as `https://edge:8443/?token=<token>`: the page passes the token
 * on (a browser WebSocket cannot send an Authorization header).
 */
export function edgeSocketUrl(location: {
  protocol: string;
  host: string;
  search?: string;
}): string {
  const base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const token = new URLSearchParams(location.search ?? '').get('token');
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}

/** A reconnecting session with the edge. */
export class EdgeConnection {
  private state: ConnectionState = { status: 'offline', failures: 0 };
  private stopped = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private client: EdgeClient | undefined;

  constructor(private readonly options: EdgeConnectionOptions) {}

  /** Starts connecting (no-op when started). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.attempt();
  }

  /** Closes the session and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client?.close();
    this.client = undefined;
  }

  /** Tries again now instead of waiting out the backoff. */
  retryNow(): void {
    if (this.stopped || this.state.status !== 'offline') return;
    clearTimeout(this.timer);
    void this.attempt();
  }

  private set(state: ConnectionState): void {
    this.state = state;
    this.options.onState(state);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    this.set({ ...this.state, status: 'connecting', retryInMs: undefined });
    const open = this.options.open ?? ((url: string) => new WebSocket(url) as BrowserSocket);
    let socket: BrowserSocket | undefined;
    try {
      socket = open(this.options.url);
      const client = await withTimeout(
        this.handshake(socket),
        this.options.attemptTimeoutMs ?? 5000,
        `the edge at ${this.options.url} did not answer in time`,
      );
      if (this.stopped) {
        client.close();
        return;
      }
      this.client = client;
      socket.addEventListener('close', () => this.lost(client));
      this.set({ status: 'connected', failures: 0 });
      this.options.onClient(client);
    } catch (e) {
      try {
        socket?.close();
      } catch {
        // Already closed.
      }
      this.failed(errorOf(e));
    }
  }

  private async handshake(socket: BrowserSocket): Promise<EdgeClient> {
    await new Promise<void>((resolve, reject) => {
      if (socket.readyState === 1) return resolve();
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('error', (event) =>
        reject(
          new DeviceError(
            'EDGENT_ERR_UNREACHABLE',
            `cannot reach the edge at ${this.options.url}${detailOf(event)}`,
          ),
        ),
      );
      socket.addEventListener('close', () =>
        reject(
          new DeviceError(
            'EDGENT_ERR_UNREACHABLE',
            `the edge at ${this.options.url} closed the connection`,
          ),
        ),
      );
    });
    const backend = this.options.backend?.();
    return EdgeClient.connect(wsChannel(socket), {
      model: this.options.model,
      now: this.options.now,
      timeoutMs: 30_000,
      client: { name: this.options.name ?? 'edgent web', ...(backend ? { backend } : {}) },
    });
  }

  private lost(client: EdgeClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.options.onClient(undefined);
    if (this.stopped) return;
    this.failed({ code: 'EDGENT_ERR_CLOSED', message: 'the connection to the edge closed' });
  }

  private failed(error: { code: string; message: string }): void {
    if (this.stopped) return;
    const failures = this.state.failures + 1;
    const wait = backoffMs(failures - 1, this.options.backoff ?? DEFAULT_BACKOFF);
    this.set({ status: 'offline', error, retryInMs: wait, failures });
    this.timer = setTimeout(() => void this.attempt(), wait);
  }
}

/** What an error event says, when it says anything (Node's ws does; browsers do not). */
function detailOf(event: unknown): string {
  const message = (event as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? `: ${message}` : '';
}

function errorOf(e: unknown): { code: string; message: string } {
  if (e instanceof DeviceError) return { code: e.code, message: e.message };
  return { code: 'EDGENT_ERR_UNREACHABLE', message: e instanceof Error ? e.message : String(e) };
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new DeviceError('EDGENT_ERR_TIMEOUT', message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
