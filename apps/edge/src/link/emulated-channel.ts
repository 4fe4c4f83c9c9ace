/**
 * The edge end of a connection seen through the link emulator: what the edge
 * sends crosses the emulated link 'down' before reaching the socket, and what
 * the device sent crosses it 'up' before reaching the edge's handler.
 */
import type { Channel, ChannelMessage } from '@edgent/protocol';
import type { LinkEmulator } from './emulator.js';

/**
 * The bytes a message occupies on the link: its length, or a string's UTF-8 length.
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export function messageBytes(message: ChannelMessage): number {
  return typeof message === 'string' ? Buffer.byteLength(message, 'utf8') : message.byteLength;
}

interface CloseEvent {
  code: number;
  reason: string;
}

/**
 * Wraps the edge end `inner` of a connection so that both directions go
 * through `link`. Messages that crossed before a handler is set are held for
 * it. The device's close reaches the close handler after the messages it sent
 * before closing. Closing this channel closes `inner` and the emulator,
 * dropping what is in flight.
 *
 * @example
 * const link = new LinkEmulator(systemClock);
 * const channel = emulatedChannel(wsChannel(socket), link);
 */
export function emulatedChannel(inner: Channel, link: LinkEmulator): Channel {
  const arrived: ChannelMessage[] = [];
  let messageHandler: ((message: ChannelMessage) => void) | undefined;
  let closeHandler: ((code: number, reason: string) => void) | undefined;
  /** The close inner reported, possibly still crossing the link. */
  let innerClose: CloseEvent | undefined;
  /** The close this channel reports, once it has crossed. */
  let closeEvent: CloseEvent | undefined;
  let closeFired = false;
  let closedHere = false;

  function drain(): void {
    while (arrived.length > 0 && messageHandler !== undefined) {
      messageHandler(arrived.shift() as ChannelMessage);
    }
    if (closeEvent !== undefined && !closeFired && closeHandler !== undefined) {
      closeFired = true;
      closeHandler(closeEvent.code, closeEvent.reason);
    }
  }

  function end(event: CloseEvent): void {
    if (closeEvent !== undefined) return;
    closeEvent = event;
    link.close();
    drain();
  }

  inner.onMessage((message) => {
    link.schedule('up', messageBytes(message), () => {
      arrived.push(message);
      drain();
    });
  });

  inner.onClose((code, reason) => {
    innerClose = { code, reason };
    const event = innerClose;
    // The device's close follows what it sent before it; a close from here does not wait.
    if (closedHere || link.closed) end(event);
    else link.schedule('up', 0, () => end(event));
  });

  return {
    get closed(): boolean {
      return closedHere || inner.closed || link.closed;
    },
    send(message: ChannelMessage): boolean {
      if (closedHere || inner.closed || link.closed) return false;
      // Held for a while: copy, as a Channel lets the caller reuse its buffer.
      const copy = typeof message === 'string' ? message : message.slice();
      link.schedule('down', messageBytes(copy), () => inner.send(copy));
      return true;
    },
    onMessage(handler: (message: ChannelMessage) => void): void {
      messageHandler = handler;
      queueMicrotask(drain);
    },
    onClose(handler: (code: number, reason: string) => void): void {
      closeHandler = handler;
      queueMicrotask(drain);
    },
    close(code?: number, reason?: string): void {
      if (closedHere) return;
      closedHere = true;
      link.close();
      // A close from the device still crossing the link is reported now.
      if (innerClose !== undefined) end(innerClose);
      else inner.close(code, reason);
    },
  };
}
