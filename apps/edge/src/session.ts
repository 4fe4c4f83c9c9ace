import {
  type Channel,
  type ChannelMessage,
  type Control,
  DEFAULT_MAX_CONTROL_CHARS,
  decodeFrame,
  type ErrorFrameFields,
  encodeControl,
  encodeErrorFrame,
  encodeFrame,
  type Frame,
  type InferenceRequest,
  type InferenceResult,
  type LinkSettings,
  modelPrefixOf,
  PROTOCOL_VERSION,
  parseControl,
  peekHeader,
  requestOf,
  resultFrame,
} from '@edgent/protocol';

/**
 * One device's WebSocket session on the edge, over a Channel (the real
 * WebSocket, or one end of a memory pair in tests; the link emulator wraps
 * either). The device says hello with its model id and hash; then each
 * request frame runs layers [partition, end) of its exit on the inference
 * pool and is answered by a result frame with the edge's queue, decode and
 * compute times, or by an error frame with a stable code. A malformed frame
 * or control message gets an error and the session goes on; a frame over the
 * work bound (`maxBatch` examples) breaks the edge's policy, so the session
 * is ended with EDGENT_ERR_BATCH_TOO_LARGE (WebSocket close 1008). When the
 * session closes, its requests that no worker has taken are dropped; when
 * the edge drains, new requests are refused and the ones in flight answered.
 */

/** What the session asks the inference pool to run: the frame's request, on the hello's model. */
type InferenceJob = InferenceRequest & {
  /** The id of the model the session's hello chose. */
  model: string;
};

/** An error with a stable code (EdgeError, EdgentError, ProtocolError all fit). */
interface Coded {
  code?: unknown;
  message?: unknown;
}

/** Limits of one session. */
interface SessionLimits {
  maxPayloadBytes: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  /** Most examples one request frame may carry; more ends the session (1008). */
  maxBatch: number;
}

/** WebSocket close codes the session ends with. */
export const CLOSE_CODES = Object.freeze({
  /** The edge is shutting down (RFC 6455 "going away"). */
  goingAway: 1001,
  /** The device broke a limit of the edge's policy. */
  policyViolation: 1008,
});

/** Everything a session needs from the server. */
export interface SessionDeps {
  /** The models the edge serves, the default first; the device's hello picks one. */
  models: readonly { id: string; hash: string }[];
  infer: (job: InferenceJob, signal: AbortSignal) => Promise<InferenceResult>;
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
  /**
   * Ends the connection for a broken policy: sends the error frame past any
   * emulated link and closes with `closeCode`. Default: send on the channel,
   * then close it.
   */
  terminate?: (error: ErrorFrameFields, closeCode: number) => void;
  /** Called once when the channel has closed, after the session dropped its waiting work. */
  onClose?: (code: number, reason: string) => void;
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

/** The running session. */
export interface Session {
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  readonly helloDone: boolean;
  /**
   * Drains: from now on request frames are refused with EDGENT_ERR_GOING_AWAY;
   * resolves once every request in flight is answered. At `deadline` (on the
   * `now` clock) the ones still running are answered EDGENT_ERR_GOING_AWAY.
   */
  drain(deadline: number): Promise<void>;
}

/** An Error with a stable code, as the session answers it. */
function coded(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** The code of a thrown value when it is one of ours; anything else is internal. */
function codeOf(e: unknown): string {
  const code = (e as Coded | undefined)?.code;
  return typeof code === 'string' && /^EDGENT_ERR_[A-Z0-9_]+$/.test(code)
    ? code
    : 'EDGENT_ERR_INTERNAL';
}

function messageOf(e: unknown): string {
  const message = (e as Coded | undefined)?.message;
  return (typeof message === 'string' ? message : String(e)).slice(0, 2000);
}

/** Starts serving `channel`. */
export function openSession(channel: Channel, deps: SessionDeps): Session {
  if (deps.models.length === 0) throw new RangeError('a session needs at least one model');
  /** The model this session's hello chose (the default until then). */
  let model = deps.models[0] as { id: string; hash: string };
  let prefix = modelPrefixOf(model.hash);
  let helloDone = false;
  /** Why new requests are refused (draining or closed), if they are. */
  let refusing: Error | undefined;
  /** Each request in flight: aborting it answers it with the abort's reason. */
  const inFlight = new Set<AbortController>();
  const idle: (() => void)[] = [];
  const settle = () => {
    if (inFlight.size === 0) for (const resolve of idle.splice(0)) resolve();
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
  const terminate = (fields: ErrorFrameFields, closeCode: number) => {
    deps.onError?.(fields.code, fields.message);
    refusing ??= coded(fields.code, fields.message);
    if (deps.terminate) deps.terminate(fields, closeCode);
    else {
      channel.send(encodeErrorFrame(fields));
      channel.close(closeCode, fields.code);
    }
  };

  const abortAll = (reason: Error) => {
    for (const controller of inFlight) controller.abort(reason);
  };

  const session: Session = {
    get inFlight() {
      return inFlight.size;
    },
    get helloDone() {
      return helloDone;
    },
    drain(deadline: number) {
      refusing ??= coded('EDGENT_ERR_GOING_AWAY', 'the edge is shutting down; connect again later');
      const done = new Promise<void>((resolve) => {
        idle.push(resolve);
        settle();
      });
      const wait = Math.max(0, deadline - deps.now());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          abortAll(
            coded(
              'EDGENT_ERR_GOING_AWAY',
              'the edge is shutting down and could not finish this request in time',
            ),
          );
          resolve();
        }, wait);
      });
      return Promise.race([done, late.then(() => done)]).finally(() => clearTimeout(timer));
    },
  };

  channel.onClose((code, reason) => {
    refusing ??= coded('EDGENT_ERR_CLOSED', 'the session closed');
    // Requests no worker has taken yet are skipped by the pool; the rest finish unread.
    abortAll(coded('EDGENT_ERR_CLOSED', 'the device closed the session'));
    deps.onClose?.(code, reason);
  });

  /** The profile reply, encoded once per profile object (it is about 100 KB of JSON). */
  let profileText: { of: Record<string, unknown>; text: string } | undefined;

  const onText = async (text: string) => {
    const parsed = parseControl(text, { maxChars: DEFAULT_MAX_CONTROL_CHARS });
    if (!parsed.ok) return sendControlError(parsed.error.code, parsed.error.message);
    const msg: Control = parsed.value;
    if (msg.type === 'hello') {
      const chosen = deps.models.find((m) => m.id === msg.modelId && m.hash === msg.modelHash);
      if (!chosen) {
        const served = deps.models.map((m) => `${m.id} (${m.hash})`).join(', ');
        const message = `this edge serves ${served}; the device has ${msg.modelId} (${msg.modelHash}). Load one of the edge's models (GET /api/models) and say hello again.`;
        deps.onError?.('EDGENT_ERR_MODEL_MISMATCH', message);
        channel.send(
          encodeControl({ type: 'helloRefused', code: 'EDGENT_ERR_MODEL_MISMATCH', message }),
        );
        return;
      }
      helloDone = true;
      model = chosen;
      prefix = modelPrefixOf(chosen.hash);
      channel.send(
        encodeControl({
          type: 'helloOk',
          modelId: chosen.id,
          modelHash: chosen.hash,
          protocolVersion: PROTOCOL_VERSION,
          maxPayloadBytes: deps.limits.maxPayloadBytes,
          maxBatch: deps.limits.maxBatch,
          maxInFlight: deps.limits.maxInFlight,
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
          const code = codeOf(e);
          sendControlError(
            code === 'EDGENT_ERR_INTERNAL' ? 'EDGENT_ERR_BAD_LINK' : code,
            messageOf(e),
          );
        }
        return;
      }
      case 'profileRequest': {
        if (!deps.profile) {
          return sendControlError('EDGENT_ERR_NO_PROFILE', 'this edge has no latency profile');
        }
        try {
          const profile = await deps.profile();
          if (profileText?.of !== profile) {
            profileText = { of: profile, text: encodeControl({ type: 'profile', profile }) };
          }
          channel.send(profileText.text);
        } catch (e) {
          sendControlError('EDGENT_ERR_NO_PROFILE', messageOf(e));
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
    const refuse = (code: string, message: string) => {
      sendError(code, message, at);
      record(false, { code });
    };
    if (refusing) return refuse(codeOf(refusing), refusing.message);
    if (frame.modelPrefix !== prefix) {
      return refuse(
        'EDGENT_ERR_MODEL_MISMATCH',
        `frame is for model ${frame.modelPrefix}; this session's hello chose ${prefix} (${model.id})`,
      );
    }
    const batch = frame.shape[0] ?? 1;
    if (batch > deps.limits.maxBatch) {
      const message = `a request frame may carry at most ${deps.limits.maxBatch} examples (the edge's --max-batch, in helloOk); this one carries ${batch}. Closing the session.`;
      record(false, { code: 'EDGENT_ERR_BATCH_TOO_LARGE' });
      return terminate(
        { code: 'EDGENT_ERR_BATCH_TOO_LARGE', message, modelPrefix: prefix, ...at },
        CLOSE_CODES.policyViolation,
      );
    }
    if (inFlight.size >= deps.limits.maxInFlight) {
      return refuse(
        'EDGENT_ERR_TOO_MANY_IN_FLIGHT',
        `${inFlight.size} requests already in flight on this connection; the limit is ${deps.limits.maxInFlight}`,
      );
    }
    const controller = new AbortController();
    inFlight.add(controller);
    const timer = setTimeout(
      () =>
        controller.abort(
          coded('EDGENT_ERR_TIMEOUT', `no answer within ${deps.limits.requestTimeoutMs} ms`),
        ),
      deps.limits.requestTimeoutMs,
    );
    // Settles as the abort's reason (timeout, drain, close) as soon as it fires; the pool then
    // skips the request if no worker has taken it yet.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
        once: true,
      });
    });
    try {
      const out = await Promise.race([
        deps.infer({ ...requestOf(frame), model: model.id }, controller.signal),
        aborted,
      ]);
      const reply = encodeFrame(resultFrame(out, frame));
      channel.send(reply);
      record(true, { ...out.timing, bytesOut: reply.byteLength });
    } catch (e) {
      // An abort's reason wins over what the pool made of it (EDGENT_ERR_ABORTED).
      const cause = controller.signal.aborted ? controller.signal.reason : e;
      const code = codeOf(cause);
      if (!channel.closed) sendError(code, messageOf(cause), at);
      record(false, { code });
    } finally {
      clearTimeout(timer);
      inFlight.delete(controller);
      settle();
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

  /** Nothing a message does may escape as an unhandled rejection: that would end the process. */
  const safely = (run: () => unknown) => {
    try {
      const out = run();
      if (out instanceof Promise) out.catch(onInternal);
    } catch (e) {
      onInternal(e);
    }
  };
  const onInternal = (e: unknown) => {
    try {
      sendControlError(
        'EDGENT_ERR_INTERNAL',
        `the edge failed handling a message: ${messageOf(e)}`,
      );
    } catch {
      // The channel itself failed; its close ends the session.
    }
  };

  channel.onMessage((message: ChannelMessage) => {
    if (typeof message === 'string') safely(() => onText(message));
    else safely(() => onBinary(message));
  });
  return session;
}
