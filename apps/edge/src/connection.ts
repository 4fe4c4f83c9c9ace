/**
 * One device connection on the edge: its WebSocket, the link emulator in
 * front of it, the session behind it, and how the connection ends. It
 * bounds the bytes queued on the connection (held by the emulated link in
 * either direction, plus what the socket has not flushed to a device that
 * does not read): over `maxQueuedBytes`, the device gets an
 * EDGENT_ERR_BACKLOG error frame and the connection closes with 1008. Every
 * open connection is in a {@link Connections} set, which drains them all on
 * shutdown.
 */
import {
  type Channel,
  type ChannelMessage,
  type ErrorFrameFields,
  encodeErrorFrame,
  wsChannel,
} from '@edgent/protocol';
import type { WebSocket } from 'ws';
import { emulatedChannel } from './link/emulated-channel.js';
import type { LinkEmulator } from './link/emulator.js';
import { CLOSE_CODES, type Session } from './session.js';

/** A socket that has not closed this long after the edge closed it is cut. */
const CLOSE_GRACE_MS = 2_000;
/** How often a drain looks whether the emulated link has delivered the last replies. */
const DRAIN_POLL_MS = 10;

/** What {@link Connection} needs besides the socket. */
export interface ConnectionOptions {
  link: LinkEmulator;
  maxQueuedBytes: number;
  /** Called for the error frame of a policy close (for metrics and logs). */
  onError?: (code: string, message: string) => void;
}

/**
 * A device's connection. Build the session on {@link Connection.channel},
 * then hand it to {@link Connection.attach}.
 */
export class Connection {
  /** The channel the session talks on: through the emulated link, under the backlog bound. */
  readonly channel: Channel;
  readonly #socket: WebSocket;
  readonly #direct: Channel;
  readonly #link: LinkEmulator;
  readonly #options: ConnectionOptions;
  #session: Session | undefined;
  #ended = false;

  constructor(socket: WebSocket, options: ConnectionOptions) {
    this.#socket = socket;
    this.#link = options.link;
    this.#options = options;
    this.#direct = wsChannel(socket as never);
    const check = () => this.#checkBacklog();
    // Checked when a message enters the link from the device, when the link hands one to the
    // socket, and when the session hands one to the link.
    this.channel = watched(emulatedChannel(watched(this.#direct, check), this.#link), check);
    socket.once('close', () => {
      this.#ended = true;
      this.#link.close();
    });
    // The WebSocket layer closes by itself on a message it cannot take (over twice the payload
    // limit: 1009; a protocol error: 1002); a device still sending does not take that close.
    socket.on('error', () => this.#cutAfterGrace());
  }

  /** Cuts the socket if it has not closed within the grace period. */
  #cutAfterGrace(): void {
    const socket = this.#socket;
    const cut = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    cut.unref();
    socket.once('close', () => clearTimeout(cut));
  }

  /** The session served on this connection. */
  attach(session: Session): void {
    this.#session = session;
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.#session?.inFlight ?? 0;
  }

  /** Bytes queued on this connection: held by the emulated link, or not yet flushed to the device. */
  get queuedBytes(): number {
    return this.#link.queuedBytes() + this.#socket.bufferedAmount;
  }

  /**
   * Ends the connection for a broken policy: the error frame goes straight to
   * the socket (past the emulated link, whose queue is dropped), then a close
   * with `closeCode`; a device that does not read is cut after a grace period.
   */
  terminate(error: ErrorFrameFields, closeCode: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#link.close();
    this.#direct.send(encodeErrorFrame(error));
    this.#direct.close(closeCode, error.code);
    this.#cutAfterGrace();
  }

  /**
   * Drains for shutdown: the session refuses new requests and answers those
   * in flight (EDGENT_ERR_GOING_AWAY for any still running at `deadline`, on
   * the performance.now() clock), the emulated link delivers the replies
   * (until `deadline`), then the device gets an EDGENT_ERR_GOING_AWAY error
   * frame and a close with 1001.
   */
  async drain(deadline: number): Promise<void> {
    if (this.#ended) return;
    await this.#session?.drain(deadline);
    while (
      !this.#ended &&
      this.#link.queuedBytes('down') > 0 &&
      performance.now() + DRAIN_POLL_MS < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    this.terminate(
      {
        code: 'EDGENT_ERR_GOING_AWAY',
        message: 'the edge is shutting down; every request it received was answered',
      },
      CLOSE_CODES.goingAway,
    );
  }

  #checkBacklog(): void {
    if (this.#ended) return;
    const queued = this.queuedBytes;
    if (queued <= this.#options.maxQueuedBytes) return;
    const message = `${queued} bytes are queued on this connection, over the edge's limit of ${this.#options.maxQueuedBytes} (--max-queued-bytes): the device does not read its replies, or sends faster than its link carries. Closing the session.`;
    this.#options.onError?.('EDGENT_ERR_BACKLOG', message);
    this.terminate({ code: 'EDGENT_ERR_BACKLOG', message }, CLOSE_CODES.policyViolation);
  }
}

/** The edge's open connections, for metrics and for draining at shutdown. */
export class Connections {
  readonly #open = new Set<Connection>();

  add(connection: Connection): void {
    this.#open.add(connection);
  }

  delete(connection: Connection): void {
    this.#open.delete(connection);
  }

  get size(): number {
    return this.#open.size;
  }

  /** Requests received and not yet answered, over every connection. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.#open) n += c.inFlight;
    return n;
  }

  /** Drains every open connection (see {@link Connection.drain}) by `deadline`. */
  async drain(deadline: number): Promise<void> {
    await Promise.all([...this.#open].map((c) => c.drain(deadline)));
  }
}

/** `inner`, calling `check` after each message it sends and each one it delivers. */
function watched(inner: Channel, check: () => void): Channel {
  return {
    get closed() {
      return inner.closed;
    },
    send(message: ChannelMessage): boolean {
      const sent = inner.send(message);
      check();
      return sent;
    },
    onMessage(handler) {
      inner.onMessage((message) => {
        handler(message);
        check();
      });
    },
    onClose(handler) {
      inner.onClose(handler);
    },
    close(code, reason) {
      inner.close(code, reason);
    },
  };
}
