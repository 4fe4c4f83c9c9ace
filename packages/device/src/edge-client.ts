import {
  type Channel,
  type ChannelMessage,
  type Control,
  DEFAULT_MAX_PAYLOAD_BYTES,
  decodeFrame,
  encodeControl,
  encodeFrame,
  type Frame,
  type HelloOk,
  type InferenceRequest,
  type InferenceResult,
  type LinkSettings,
  modelPrefixOf,
  parseControl,
  readErrorFrame,
  requestFrame,
  resultOf,
} from '@edgent/protocol';
import { DeviceError } from './errors';

/**
 * The device's end of a session with the edge, over a Channel: hello, then
 * request frames matched to their results by request id, idle probes, link
 * emulation settings and the edge's profile. Every call measures its own
 * round trip with the clock it is given. Browser-safe.
 */

/** A result and the round trip that fetched it. */
export interface EdgeReply extends InferenceResult {
  /** From handing the request to the channel to reading the result, ms. */
  elapsedMs: number;
  /** Bytes of the request and result frames. */
  bytesUp: number;
  bytesDown: number;
}

interface Pending {
  resolve: (frame: Frame, bytes: number, at: number) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Options of `connectEdge`. */
export interface EdgeClientOptions {
  model: { id: string; hash: string };
  /** Milliseconds, monotonic (performance.now). */
  now: () => number;
  /** Reject a request, probe or control call after this long, ms; default 30 000. */
  timeoutMs?: number;
  client?: { name: string; version?: string; backend?: string };
}

/** A session with the edge, after its hello was accepted. */
export class EdgeClient {
  readonly hello: HelloOk;
  private readonly pending = new Map<number, Pending>();
  private readonly controlWaiters: {
    type: Control['type'];
    resolve: (c: Control) => void;
    reject: (e: Error) => void;
  }[] = [];
  private nextId = 1;
  private closedWith: DeviceError | undefined;
  private readonly prefix: string;

  private constructor(
    private readonly channel: Channel,
    private readonly options: EdgeClientOptions,
    hello: HelloOk,
  ) {
    this.hello = hello;
    this.prefix = modelPrefixOf(options.model.hash);
    channel.onMessage((m) => this.onMessage(m));
    channel.onClose((code, reason) => this.fail(closedError(code, reason)));
  }

  /** Says hello on `channel` and resolves once the edge accepts it; rejects with EDGENT_ERR_MODEL_MISMATCH (or the edge's code) when refused. */
  static async connect(channel: Channel, options: EdgeClientOptions): Promise<EdgeClient> {
    const hello = await new Promise<HelloOk>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new DeviceError('EDGENT_ERR_TIMEOUT', 'the edge did not answer hello in time')),
        options.timeoutMs ?? 30_000,
      );
      channel.onClose((code, reason) => {
        clearTimeout(timer);
        reject(closedError(code, reason));
      });
      channel.onMessage((m) => {
        if (typeof m !== 'string') return;
        const parsed = parseControl(m);
        if (!parsed.ok) return;
        const c = parsed.value;
        if (c.type === 'helloOk') {
          clearTimeout(timer);
          resolve(c);
        } else if (c.type === 'helloRefused' || c.type === 'error') {
          clearTimeout(timer);
          reject(new DeviceError(c.code, c.message));
        }
      });
      channel.send(
        encodeControl({
          type: 'hello',
          modelId: options.model.id,
          modelHash: options.model.hash,
          ...(options.client ? { client: options.client } : {}),
        }),
      );
    });
    return new EdgeClient(channel, options, hello);
  }

  /** Whether the channel has closed. */
  get closed(): boolean {
    return this.closedWith !== undefined || this.channel.closed;
  }

  /** Sends one request frame; resolves with the edge's scores and times, rejects with the edge's error code. */
  request(request: InferenceRequest): Promise<EdgeReply> {
    const requestId = this.takeId();
    const bytes = encodeFrame(requestFrame(request, { requestId, modelPrefix: this.prefix }));
    return this.exchange(requestId, bytes, 'result').then(({ frame, bytesDown, elapsedMs }) => ({
      ...resultOf(frame),
      elapsedMs,
      bytesUp: bytes.byteLength,
      bytesDown,
    }));
  }

  /** An idle probe of `payloadBytes` filler bytes; resolves with its round trip. */
  async probe(
    payloadBytes: number,
  ): Promise<{ elapsedMs: number; bytesUp: number; bytesDown: number; edgeMs: number }> {
    const requestId = this.takeId();
    const payload = new Uint8Array(payloadBytes);
    const bytes = encodeFrame({
      type: 'probe',
      flags: 0,
      requestId,
      modelPrefix: this.prefix,
      exit: 0,
      partition: 0,
      dtype: 'uint8',
      shape: [payloadBytes],
      payload,
    });
    const r = await this.exchange(requestId, bytes, 'probeReply');
    const t = r.frame.timing;
    return {
      elapsedMs: r.elapsedMs,
      bytesUp: bytes.byteLength,
      bytesDown: r.bytesDown,
      edgeMs: t ? t.queueMs + t.decodeMs + t.computeMs : 0,
    };
  }

  /** Asks the edge to emulate `settings` on this connection; resolves when it has. */
  async setLink(settings: LinkSettings): Promise<void> {
    const reply = this.waitControl('link');
    this.channel.send(encodeControl(settings));
    await reply;
  }

  /** The edge's latency profile. */
  async profile(): Promise<Record<string, unknown>> {
    const reply = this.waitControl('profile');
    this.channel.send(encodeControl({ type: 'profileRequest' }));
    const c = await reply;
    return c.type === 'profile' ? c.profile : {};
  }

  /** Closes the session; pending calls reject with EDGENT_ERR_CLOSED. */
  close(): void {
    this.channel.close(1000, 'device closed');
    this.fail(new DeviceError('EDGENT_ERR_CLOSED', 'the device closed the session'));
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff_fffe ? 1 : this.nextId + 1;
    return id;
  }

  private exchange(
    requestId: number,
    bytes: Uint8Array,
    expect: Frame['type'],
  ): Promise<{ frame: Frame; bytesDown: number; elapsedMs: number }> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const timeoutMs = this.options.timeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new DeviceError(
            'EDGENT_ERR_TIMEOUT',
            `request ${requestId}: no answer in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const t0 = this.options.now();
      this.pending.set(requestId, {
        timer,
        reject,
        resolve: (frame, bytesDown, at) => {
          if (frame.type !== expect) {
            reject(
              new DeviceError(
                'EDGENT_ERR_UNEXPECTED_MESSAGE',
                `request ${requestId}: expected a ${expect}, got a ${frame.type}`,
              ),
            );
            return;
          }
          resolve({ frame, bytesDown, elapsedMs: at - t0 });
        },
      });
      if (!this.channel.send(bytes)) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(new DeviceError('EDGENT_ERR_CLOSED', 'the session with the edge is closed'));
      }
    });
  }

  private waitControl(type: Control['type']): Promise<Control> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      this.controlWaiters.push({ type, resolve, reject });
    });
  }

  private onMessage(message: ChannelMessage): void {
    const at = this.options.now();
    if (typeof message === 'string') {
      const parsed = parseControl(message);
      if (!parsed.ok) return;
      const c = parsed.value;
      const i =
        c.type === 'error'
          ? this.controlWaiters.findIndex(() => true)
          : this.controlWaiters.findIndex((w) => w.type === c.type);
      const waiter = i >= 0 ? this.controlWaiters.splice(i, 1)[0] : undefined;
      if (!waiter) return;
      if (c.type === 'error') waiter.reject(new DeviceError(c.code, c.message));
      else waiter.resolve(c);
      return;
    }
    const decoded = decodeFrame(message, { maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES });
    if (!decoded.ok) return;
    const frame = decoded.value;
    const p = this.pending.get(frame.requestId);
    if (!p) return;
    this.pending.delete(frame.requestId);
    clearTimeout(p.timer);
    if (frame.type === 'error') {
      const body = readErrorFrame(frame);
      p.reject(
        body.ok
          ? new DeviceError(body.value.code, body.value.message)
          : new DeviceError(body.error.code, body.error.message),
      );
      return;
    }
    p.resolve(frame, message.byteLength, at);
  }

  private fail(error: DeviceError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
    for (const w of this.controlWaiters.splice(0)) w.reject(error);
  }
}

function closedError(code: number, reason: string): DeviceError {
  return new DeviceError(
    'EDGENT_ERR_CLOSED',
    `the connection to the edge closed (${code}${reason ? `: ${reason}` : ''})`,
  );
}
