import {
  type Channel,
  type ChannelMessage,
  type Control,
  DEFAULT_MAX_CONTROL_CHARS,
  decodeFrame,
  encodeControl,
  encodeErrorFrame,
  encodeFrame,
  type Frame,
  type LinkSettings,
  modelPrefixOf,
  PROTOCOL_VERSION,
  parseControl,
  peekHeader,
} from '@edgent/protocol';

/**
 * One device's WebSocket session on the edge, over a Channel (the real
 * WebSocket, or one end of a memory pair in tests; the link emulator wraps
 * either). The device says hello with its model id and hash; then each
 * request frame runs layers [partition, end) of its exit on the inference
 * pool and is answered by a result frame with the edge's queue, decode and
 * compute times, or by an error frame with a stable code. Nothing a device
 * sends ends the session except closing it.
 */

/** What the session asks the inference pool to run. */
export interface InferenceJob {
  exit: number;
  partition: number;
  dtype: Frame['dtype'];
  shape: number[];
  scale?: number;
  zeroPoint?: number;
  payload: Uint8Array;
}

/** What the pool answers. */
export interface InferenceOutcome {
  scores: Float32Array;
  shape: number[];
  queueMs: number;
  decodeMs: number;
  computeMs: number;
}

/** An error with a stable code (EdgeError, EdgentError, ProtocolError all fit). */
interface Coded {
  code?: unknown;
  message?: unknown;
}

/** Limits of one session. */
export interface SessionLimits {
  maxPayloadBytes: number;
  maxInFlight: number;
  requestTimeoutMs: number;
}

/** Everything a session needs from the server. */
export interface SessionDeps {
  model: { id: string; hash: string };
  infer: (job: InferenceJob, signal: AbortSignal) => Promise<InferenceOutcome>;
  limits: SessionLimits;
  /** Applies link emulation settings to this connection; absent: link messages are refused. */
  setLink?: (settings: LinkSettings) => Promise<void>;
  /** The edge's latency profile, for profileRequest. */
  profile?: () => Promise<Record<string, unknown>>;
  /** Milliseconds, monotonic. */
  now: () => number;
  /** Called once per finished request (ok or not) for metrics and logs. */
  onRequest?: (r: RequestRecord) => void;
  /** Called for every error frame or control error sent. */
  onError?: (code: string, message: string) => void;
}

/** One finished request, as metrics see it. */
export interface RequestRecord {
  exit: number;
  /** Layers the device ran; 0 is edge-only, anything else a split. */
  partition: number;
  dtype: string;
  ok: boolean;
  code?: string;
  totalMs: number;
  queueMs: number;
  decodeMs: number;
  computeMs: number;
  bytesIn: number;
  bytesOut: number;
}

/** The running session; `inFlight` for tests and metrics. */
export interface Session {
  readonly inFlight: number;
  readonly helloDone: boolean;
}

/** Starts serving `channel`. */
export function openSession(channel: Channel, deps: SessionDeps): Session {
  const prefix = modelPrefixOf(deps.model.hash);
  let helloDone = false;
  let inFlight = 0;
  const session = {
    get inFlight() {
      return inFlight;
    },
    get helloDone() {
      return helloDone;
    },
  };

  const sendError = (
    code: string,
    message: string,
    at?: { requestId?: number; exit?: number; partition?: number },
  ) => {
    deps.onError?.(code, message);
    channel.send(encodeErrorFrame({ code, message, modelPrefix: prefix, ...at }));
  };
  const sendControlError = (code: string, message: string) => {
    deps.onError?.(code, message);
    channel.send(encodeControl({ type: 'error', code, message: message.slice(0, 2000) }));
  };

  const onText = async (text: string) => {
    const parsed = parseControl(text, { maxChars: DEFAULT_MAX_CONTROL_CHARS });
    if (!parsed.ok) return sendControlError(parsed.error.code, parsed.error.message);
    const msg: Control = parsed.value;
    if (msg.type === 'hello') {
      if (msg.modelId !== deps.model.id || msg.modelHash !== deps.model.hash) {
        const message = `this edge serves model ${deps.model.id} (${deps.model.hash}); the device has ${msg.modelId} (${msg.modelHash}). Load the edge's model (GET /api/models) and say hello again.`;
        deps.onError?.('EDGENT_ERR_MODEL_MISMATCH', message);
        channel.send(
          encodeControl({ type: 'helloRefused', code: 'EDGENT_ERR_MODEL_MISMATCH', message }),
        );
        return;
      }
      helloDone = true;
      channel.send(
        encodeControl({
          type: 'helloOk',
          modelId: deps.model.id,
          modelHash: deps.model.hash,
          protocolVersion: PROTOCOL_VERSION,
          maxPayloadBytes: deps.limits.maxPayloadBytes,
        }),
      );
      return;
    }
    if (!helloDone) {
      return sendControlError('EDGENT_ERR_NO_HELLO', `say hello before ${msg.type}`);
    }
    switch (msg.type) {
      case 'link': {
        if (!deps.setLink) {
          return sendControlError('EDGENT_ERR_NO_LINK', 'this edge does not emulate links');
        }
        try {
          await deps.setLink(msg);
          // The settings echoed back say they took effect.
          channel.send(encodeControl(msg));
        } catch (e) {
          const c = e as Coded;
          sendControlError(
            typeof c.code === 'string' ? c.code : 'EDGENT_ERR_BAD_LINK',
            String(c.message),
          );
        }
        return;
      }
      case 'profileRequest': {
        if (!deps.profile) {
          return sendControlError('EDGENT_ERR_NO_PROFILE', 'this edge has no latency profile');
        }
        try {
          channel.send(encodeControl({ type: 'profile', profile: await deps.profile() }));
        } catch (e) {
          sendControlError('EDGENT_ERR_NO_PROFILE', String((e as Coded).message));
        }
        return;
      }
      default:
        return sendControlError(
          'EDGENT_ERR_UNEXPECTED_MESSAGE',
          `a device does not send ${msg.type} messages; it sends hello, link, profileRequest`,
        );
    }
  };

  const onRequest = async (frame: Frame, bytesIn: number, t0: number) => {
    const at = { requestId: frame.requestId, exit: frame.exit, partition: frame.partition };
    const record = (ok: boolean, extra: Partial<RequestRecord>) =>
      deps.onRequest?.({
        exit: frame.exit,
        partition: frame.partition,
        dtype: frame.dtype,
        ok,
        totalMs: deps.now() - t0,
        queueMs: 0,
        decodeMs: 0,
        computeMs: 0,
        bytesIn,
        bytesOut: 0,
        ...extra,
      });
    if (frame.modelPrefix !== prefix) {
      const message = `frame is for model ${frame.modelPrefix}, this edge serves ${prefix} (${deps.model.id})`;
      sendError('EDGENT_ERR_MODEL_MISMATCH', message, at);
      return record(false, { code: 'EDGENT_ERR_MODEL_MISMATCH' });
    }
    if (inFlight >= deps.limits.maxInFlight) {
      const message = `${inFlight} requests already in flight on this connection; the limit is ${deps.limits.maxInFlight}`;
      sendError('EDGENT_ERR_TOO_MANY_IN_FLIGHT', message, at);
      return record(false, { code: 'EDGENT_ERR_TOO_MANY_IN_FLIGHT' });
    }
    inFlight++;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Settle the race as a timeout first, then let the pool drop the job.
        reject(
          Object.assign(new Error(`no answer within ${deps.limits.requestTimeoutMs} ms`), {
            code: 'EDGENT_ERR_TIMEOUT',
          }),
        );
        abort.abort();
      }, deps.limits.requestTimeoutMs);
    });
    try {
      const out = await Promise.race([
        deps.infer(
          {
            exit: frame.exit,
            partition: frame.partition,
            dtype: frame.dtype,
            shape: [...frame.shape],
            ...(frame.scale === undefined ? {} : { scale: frame.scale }),
            ...(frame.zeroPoint === undefined ? {} : { zeroPoint: frame.zeroPoint }),
            payload: frame.payload,
          },
          abort.signal,
        ),
        timeout,
      ]);
      const reply = encodeFrame({
        type: 'result',
        flags: 0,
        requestId: frame.requestId,
        modelPrefix: prefix,
        exit: frame.exit,
        partition: frame.partition,
        dtype: 'float32',
        shape: out.shape,
        payload: new Uint8Array(out.scores.buffer, out.scores.byteOffset, out.scores.byteLength),
        timing: { queueMs: out.queueMs, decodeMs: out.decodeMs, computeMs: out.computeMs },
      });
      channel.send(reply);
      record(true, {
        queueMs: out.queueMs,
        decodeMs: out.decodeMs,
        computeMs: out.computeMs,
        bytesOut: reply.byteLength,
      });
    } catch (e) {
      const c = e as Coded;
      const code = typeof c.code === 'string' ? c.code : 'EDGENT_ERR_INTERNAL';
      sendError(code, String(c.message ?? e), at);
      record(false, { code });
    } finally {
      clearTimeout(timer);
      inFlight--;
    }
  };

  const onBinary = (bytes: Uint8Array) => {
    const t0 = deps.now();
    const limits = { maxPayloadBytes: deps.limits.maxPayloadBytes };
    const decoded = decodeFrame(bytes, limits);
    if (!decoded.ok) {
      // Repeat the request id when the header at least was readable.
      const head = peekHeader(bytes, { maxPayloadBytes: Number.MAX_SAFE_INTEGER });
      const id = head.ok ? { requestId: head.value.requestId } : {};
      return sendError(decoded.error.code, decoded.error.message, id);
    }
    const frame = decoded.value;
    if (!helloDone) {
      return sendError('EDGENT_ERR_NO_HELLO', 'say hello (a text message) before sending frames', {
        requestId: frame.requestId,
      });
    }
    if (frame.type === 'probe') {
      channel.send(
        encodeFrame({
          type: 'probeReply',
          flags: 0,
          requestId: frame.requestId,
          modelPrefix: prefix,
          exit: 0,
          partition: 0,
          dtype: 'uint8',
          shape: [0],
          payload: new Uint8Array(0),
          timing: { queueMs: 0, decodeMs: 0, computeMs: deps.now() - t0 },
        }),
      );
      return;
    }
    if (frame.type !== 'request') {
      return sendError(
        'EDGENT_ERR_UNEXPECTED_MESSAGE',
        `a device sends request and probe frames, not ${frame.type}`,
        { requestId: frame.requestId },
      );
    }
    void onRequest(frame, bytes.byteLength, t0);
  };

  channel.onMessage((message: ChannelMessage) => {
    if (typeof message === 'string') void onText(message);
    else onBinary(message);
  });
  return session;
}
