/**
 * The link emulator: the edge side of each connection holds every message in
 * each direction as a bottleneck queue would. A message starts transmitting
 * when the previous one in its direction has finished, takes `bytes * 8 /
 * rate`, and arrives a one-way delay after its transmission ends. The rate is
 * fixed or replayed from a looping bandwidth trace. The only place that knows
 * the rate.
 */
import { type BandwidthTrace, scaleTrace, transferSeconds } from '@edgent/planner';
import { LINK_LIMITS } from '@edgent/protocol';
import { EdgeError } from '../errors.js';
import type { Clock } from './clock.js';

/** How the emulated link behaves: not at all, at a fixed rate, or replaying a trace. */
export type LinkSetting =
  | { mode: 'off' }
  | { mode: 'fixed'; rateBps: number; delayMs?: number }
  | { mode: 'trace'; trace: BandwidthTrace; scale?: number; delayMs?: number };

/** `up`: device to edge; `down`: edge to device. */
export type Direction = 'up' | 'down';

interface Pending {
  at: number;
  bytes: number;
  deliver: () => void;
}

/** One direction of the link: its transmitter and the messages in flight, in order. */
interface Lane {
  /** When the last scheduled message finishes transmitting. */
  busyUntil: number;
  /** When the last scheduled message arrives; later ones never arrive before it. */
  lastArrival: number;
  queue: Pending[];
  /** Bytes of the messages in `queue`. */
  queuedBytes: number;
  timer: unknown;
}

/** Timers may fire a hair early against `now()` through rounding; this much counts as due. */
const DUE_SLACK_MS = 1e-6;
/**
 * The longest wait a timer is set for: Node turns a longer one into 1 ms
 * (with a warning), which would spin. A message due later is re-armed.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Delays messages as a link of the configured rate and delay would, per
 * connection and direction, on the given clock.
 *
 * @example
 * const link = new LinkEmulator(systemClock);
 * link.set({ mode: 'fixed', rateBps: 1e6, delayMs: 20 });
 * link.schedule('down', frame.byteLength, () => socket.send(frame)); // ~8 ms per kB + 20 ms
 */
export class LinkEmulator {
  private readonly clock: Clock;
  private current: LinkSetting = { mode: 'off' };
  /** The trace with its scale applied, in trace mode. */
  private trace: BandwidthTrace | undefined;
  /** When the current setting was applied: time 0 of its trace. */
  private setAt: number;
  private isClosed = false;
  private readonly lanes: Record<Direction, Lane> = { up: newLane(), down: newLane() };

  constructor(clock: Clock) {
    this.clock = clock;
    this.setAt = clock.now();
  }

  /**
   * Applies a setting to messages scheduled from now on (messages in flight
   * keep their arrival times); a trace starts from its beginning now. Throws
   * `EDGENT_ERR_BAD_LINK` on a rate, delay, scale or trace it cannot use.
   */
  set(setting: LinkSetting): void {
    const trace = validate(setting);
    this.current = { ...setting };
    this.trace = trace;
    this.setAt = this.clock.now();
  }

  /** The setting in force. */
  get setting(): LinkSetting {
    return { ...this.current };
  }

  /** True after {@link LinkEmulator.close}. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Calls `deliver` when a message of `bytes` would have crossed the link in
   * `direction`; in order per direction; immediately (synchronously) when the
   * mode is off and nothing is queued in that direction. Dropped after close.
   */
  schedule(direction: Direction, bytes: number, deliver: () => void): void {
    checkBytes(bytes);
    if (this.isClosed) return;
    const lane = this.lanes[direction];
    const now = this.clock.now();
    const { end, arrival } = this.timing(lane, now, bytes);
    if (lane.queue.length === 0 && (this.current.mode === 'off' || arrival <= now)) {
      lane.lastArrival = Math.max(lane.lastArrival, now);
      deliver();
      return;
    }
    lane.busyUntil = end;
    lane.lastArrival = arrival;
    lane.queue.push({ at: arrival, bytes, deliver });
    lane.queuedBytes += bytes;
    this.arm(lane);
  }

  /** Milliseconds a message of `bytes` sent now in `direction` would take to arrive, queueing included. */
  transitMs(direction: Direction, bytes: number): number {
    checkBytes(bytes);
    const now = this.clock.now();
    return this.timing(this.lanes[direction], now, bytes).arrival - now;
  }

  /** Bytes held in `direction` (or both), scheduled and not yet delivered. */
  queuedBytes(direction?: Direction): number {
    if (direction) return this.lanes[direction].queuedBytes;
    return this.lanes.up.queuedBytes + this.lanes.down.queuedBytes;
  }

  /** Cancels every message in flight; later `schedule` calls are dropped. Idempotent. */
  close(): void {
    this.isClosed = true;
    for (const lane of Object.values(this.lanes)) {
      if (lane.timer !== undefined) this.clock.clearTimeout(lane.timer);
      lane.timer = undefined;
      lane.queue.length = 0;
      lane.queuedBytes = 0;
    }
  }

  /** When a message of `bytes` handed over at `now` would finish transmitting and arrive. */
  private timing(lane: Lane, now: number, bytes: number): { end: number; arrival: number } {
    const start = Math.max(now, lane.busyUntil);
    const end = start + this.transmitMs(start, bytes);
    const delayMs = this.current.mode === 'off' ? 0 : (this.current.delayMs ?? 0);
    return { end, arrival: Math.max(end + delayMs, lane.lastArrival) };
  }

  /** Milliseconds to push `bytes` onto the link starting at `start`. */
  private transmitMs(start: number, bytes: number): number {
    const setting = this.current;
    if (setting.mode === 'off') return 0;
    if (setting.mode === 'fixed') return ((bytes * 8) / setting.rateBps) * 1000;
    const trace = this.trace as BandwidthTrace;
    return transferSeconds(trace, (start - this.setAt) / 1000, bytes, { atEnd: 'loop' }) * 1000;
  }

  /** Sets the lane's timer for its first message, if there is one and no timer yet. */
  private arm(lane: Lane): void {
    const head = lane.queue[0];
    if (head === undefined || lane.timer !== undefined || this.isClosed) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, head.at - this.clock.now()));
    lane.timer = this.clock.setTimeout(() => this.fire(lane), wait);
  }

  /** Delivers the lane's messages that are due, in order, then waits for the next. */
  private fire(lane: Lane): void {
    lane.timer = undefined;
    try {
      let head = lane.queue[0];
      while (!this.isClosed && head !== undefined && head.at <= this.clock.now() + DUE_SLACK_MS) {
        lane.queue.shift();
        lane.queuedBytes -= head.bytes;
        head.deliver();
        head = lane.queue[0];
      }
    } finally {
      // A throwing deliver() must not stall the messages behind it.
      this.arm(lane);
    }
  }
}

function newLane(): Lane {
  return {
    busyUntil: Number.NEGATIVE_INFINITY,
    lastArrival: Number.NEGATIVE_INFINITY,
    queue: [],
    queuedBytes: 0,
    timer: undefined,
  };
}

function bad(message: string): EdgeError {
  return new EdgeError('EDGENT_ERR_BAD_LINK', message);
}

function checkBytes(bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw bad(`link message size must be a finite number of bytes >= 0, got ${bytes}`);
  }
}

/** Throws on a setting the emulator cannot use; returns the scaled trace in trace mode. */
function validate(setting: LinkSetting): BandwidthTrace | undefined {
  const mode = (setting as { mode?: unknown }).mode;
  if (mode === 'off') return undefined;
  if (mode !== 'fixed' && mode !== 'trace') {
    throw bad(`link mode must be one of off, fixed, trace; got ${JSON.stringify(mode)}`);
  }
  const { delayMs } = setting as { delayMs?: number };
  if (delayMs !== undefined && !(delayMs >= 0 && delayMs <= LINK_LIMITS.maxDelayMs)) {
    throw bad(
      `link delayMs must be from 0 to ${LINK_LIMITS.maxDelayMs} ms (or absent for 0), got ${delayMs}`,
    );
  }
  if (setting.mode === 'fixed') {
    const rate = setting.rateBps;
    if (!(rate >= LINK_LIMITS.minRateBps && rate <= LINK_LIMITS.maxRateBps)) {
      throw bad(
        `link rateBps must be from ${LINK_LIMITS.minRateBps} to ${LINK_LIMITS.maxRateBps} bit/s, got ${rate}`,
      );
    }
    return undefined;
  }
  const { trace, scale = 1 } = setting as { trace: BandwidthTrace; scale?: number };
  if (!(scale >= LINK_LIMITS.minScale && scale <= LINK_LIMITS.maxScale)) {
    throw bad(
      `link trace scale must be from ${LINK_LIMITS.minScale} to ${LINK_LIMITS.maxScale} (or absent for 1), got ${scale}`,
    );
  }
  checkTrace(trace);
  return scaleTrace(trace, scale);
}

function checkTrace(trace: BandwidthTrace): void {
  const t = trace?.t;
  const mbps = trace?.mbps;
  if (!Array.isArray(t) || !Array.isArray(mbps) || t.length === 0 || t.length !== mbps.length) {
    throw bad(
      `link trace must have as many sample times (t) as rates (mbps), at least one; got ${Array.isArray(t) ? t.length : 'no'} times and ${Array.isArray(mbps) ? mbps.length : 'no'} rates`,
    );
  }
  for (let i = 0; i < t.length; i++) {
    const s = t[i] as number;
    const prev = i > 0 ? (t[i - 1] as number) : -1;
    if (!(Number.isFinite(s) && s > prev)) {
      throw bad(
        `link trace times must be finite, >= 0 and increasing; sample ${i} is ${s} after ${prev}`,
      );
    }
    const rate = mbps[i] as number;
    if (!(Number.isFinite(rate) && rate >= 0)) {
      throw bad(`link trace rates must be finite numbers of Mbit/s >= 0; sample ${i} is ${rate}`);
    }
  }
  if (!mbps.some((rate) => rate > 0)) {
    throw bad(
      `link trace rates are all 0 Mbit/s (${mbps.length} samples); nothing could ever cross it`,
    );
  }
}
