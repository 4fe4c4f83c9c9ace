/**
 * The network as one interface: a Channel is one end of a message link. Two
 * implementations: `wsChannel` over a real WebSocket, and `memoryPair` for
 * tests. Browser-safe: no Node APIs.
 */

/** A WebSocket message: binary frames as bytes, control messages as text. */
export type ChannelMessage = Uint8Array | string;

/**
 * One end of a message link (a WebSocket, or one end of {@link memoryPair}).
 *
 * Messages arrive asynchronously and in order. Messages that arrive before a
 * handler is registered are held until one is, and so is the close event.
 */
export interface Channel {
  /**
   * Sends a message; the caller may reuse a Uint8Array's buffer once this
   * returns. Returns false, and sends nothing, when the channel is closed or
   * not open yet.
   */
  send(message: ChannelMessage): boolean;
  /** Sets the one message handler; a later call replaces it. */
  onMessage(handler: (message: ChannelMessage) => void): void;
  /** Sets the one close handler; a later call replaces it. It runs once per channel. */
  onClose(handler: (code: number, reason: string) => void): void;
  /** Closes the link; idempotent. Both ends' close handlers run once. */
  close(code?: number, reason?: string): void;
  /** True once either end closed the link: sends are refused from then on. */
  readonly closed: boolean;
}

/** The normal closure code of WebSocket. */
const NORMAL_CLOSURE = 1000;

/**
 * The receiving half of a channel end: a FIFO of messages and the close event,
 * drained to the handlers in a microtask, so delivery is asynchronous, in
 * order, and waits for a handler to be registered.
 */
class Inbox {
  private readonly messages: ChannelMessage[] = [];
  private messageHandler: ((message: ChannelMessage) => void) | undefined;
  private closeHandler: ((code: number, reason: string) => void) | undefined;
  private closeEvent: { code: number; reason: string } | undefined;
  private closeFired = false;
  private drainQueued = false;

  push(message: ChannelMessage): void {
    this.messages.push(message);
    this.queueDrain();
  }

  /** Records the close event; it runs after the messages already received. */
  pushClose(code: number, reason: string): void {
    if (this.closeEvent !== undefined) return;
    this.closeEvent = { code, reason };
    this.queueDrain();
  }

  setMessageHandler(handler: (message: ChannelMessage) => void): void {
    this.messageHandler = handler;
    this.queueDrain();
  }

  setCloseHandler(handler: (code: number, reason: string) => void): void {
    this.closeHandler = handler;
    this.queueDrain();
  }

  private queueDrain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.drainQueued = false;
    try {
      while (this.messages.length > 0 && this.messageHandler !== undefined) {
        this.messageHandler(this.messages.shift() as ChannelMessage);
      }
      // Held messages (no message handler yet) do not hold back the close event.
      const event = this.closeEvent;
      if (event !== undefined && !this.closeFired && this.closeHandler !== undefined) {
        this.closeFired = true;
        this.closeHandler(event.code, event.reason);
      }
    } finally {
      // A throwing handler must not strand the rest.
      if (this.messages.length > 0 && this.messageHandler !== undefined) this.queueDrain();
    }
  }
}

class MemoryEnd implements Channel {
  readonly inbox = new Inbox();
  peer: MemoryEnd | undefined;
  private isClosed = false;

  get closed(): boolean {
    return this.isClosed;
  }

  send(message: ChannelMessage): boolean {
    if (this.isClosed || this.peer === undefined) return false;
    this.peer.inbox.push(typeof message === 'string' ? message : message.slice());
    return true;
  }

  onMessage(handler: (message: ChannelMessage) => void): void {
    this.inbox.setMessageHandler(handler);
  }

  onClose(handler: (code: number, reason: string) => void): void {
    this.inbox.setCloseHandler(handler);
  }

  close(code = NORMAL_CLOSURE, reason = ''): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.inbox.pushClose(code, reason);
    const peer = this.peer;
    if (peer !== undefined && !peer.isClosed) {
      peer.isClosed = true;
      peer.inbox.pushClose(code, reason);
    }
  }
}

/**
 * Two connected in-memory channel ends, for tests: what one sends the other
 * receives, asynchronously (in a microtask), in order, with Uint8Array
 * payloads copied. Closing either end closes both; messages already sent
 * still arrive, then each end's close handler runs once.
 *
 * @example
 * const [device, edge] = memoryPair();
 * edge.onMessage((m) => edge.send(m)); // echo
 * device.send(new Uint8Array([1, 2, 3]));
 */
export function memoryPair(): [Channel, Channel] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * The part of a WHATWG WebSocket that {@link wsChannel} uses. The browser's
 * `WebSocket`, Node's global `WebSocket` and the `ws` package's `WebSocket`
 * all fit.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message' | 'close', listener: (event: WebSocketLikeEvent) => void): void;
}

/** The fields {@link wsChannel} reads off a socket's `message` and `close` events. */
export interface WebSocketLikeEvent {
  /** A `message` event's payload: text, or bytes as ArrayBuffer, a typed array or a Buffer. */
  readonly data?: unknown;
  /** A `close` event's code. */
  readonly code?: number;
  /** A `close` event's reason. */
  readonly reason?: string;
}

/** WebSocket readyState OPEN. */
const OPEN = 1;

/**
 * Adapts a WebSocket (browser, Node or `ws`) into a {@link Channel}. Sets
 * `binaryType = 'arraybuffer'`; binary messages arrive as a Uint8Array view
 * of the received bytes (no copy), text as string. `send` copies bytes first,
 * because `ws` may hold the caller's buffer until the socket flushes.
 *
 * @example
 * const channel = wsChannel(new WebSocket('ws://localhost:3000/ws'));
 */
export function wsChannel(socket: WebSocketLike): Channel {
  const inbox = new Inbox();
  let closing = false;
  socket.binaryType = 'arraybuffer';
  socket.addEventListener('message', (event) => {
    const message = toMessage(event.data);
    // binaryType 'arraybuffer' rules out Blobs and fragment arrays.
    if (message !== undefined) inbox.push(message);
  });
  socket.addEventListener('close', (event) => {
    closing = true;
    inbox.pushClose(event.code ?? NORMAL_CLOSURE, event.reason ?? '');
  });
  return {
    get closed(): boolean {
      return closing || socket.readyState > OPEN;
    },
    send(message: ChannelMessage): boolean {
      if (closing || socket.readyState !== OPEN) return false;
      socket.send(typeof message === 'string' ? message : message.slice());
      return true;
    },
    onMessage(handler: (message: ChannelMessage) => void): void {
      inbox.setMessageHandler(handler);
    },
    onClose(handler: (code: number, reason: string) => void): void {
      inbox.setCloseHandler(handler);
    },
    close(code = NORMAL_CLOSURE, reason = ''): void {
      if (closing) return;
      closing = true;
      socket.close(code, reason);
    },
  };
}

/** Text as is; ArrayBuffer, typed arrays and Buffers as a Uint8Array view of the same bytes. */
function toMessage(data: unknown): ChannelMessage | undefined {
  if (typeof data === 'string') return data;
  if (
    data instanceof ArrayBuffer ||
    Object.prototype.toString.call(data) === '[object ArrayBuffer]'
  ) {
    return new Uint8Array(data as ArrayBuffer);
  }
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
