/**
 * Device emulation, the compute twin of the edge's link emulator: a device
 * "N times slower" really takes N times as long. After each call it has
 * just timed, it waits (N - 1) times what that call took, busy (as a slower
 * processor would be: a timer cannot wait microseconds, and a sleeping page
 * would not look busy). Profiling and co-inference both go through it, so
 * the planner measures the slow device and is never told N.
 */

/** Largest factor: a 1.5 ms model becomes 0.4 s; beyond, a page would freeze. */
export const MAX_SLOWDOWN = 256;

/**
 * A device slowed by `factor` (1: as it is).
 *
 * @example
 * const slow = new DeviceSlowdown(16, () => performance.now());
 * const t0 = slow.now();
 * const y = runSlice(model, exit, 0, p, x); await y.data();
 * slow.stretch(t0); // now about 16 times as long has passed since t0
 */
export class DeviceSlowdown {
  #factor = 1;
  readonly now: () => number;

  constructor(factor: number, now: () => number) {
    this.now = now;
    this.factor = factor;
  }

  /** The slow-down factor, from 1 to {@link MAX_SLOWDOWN}. */
  get factor(): number {
    return this.#factor;
  }

  set factor(value: number) {
    if (!(Number.isFinite(value) && value >= 1 && value <= MAX_SLOWDOWN)) {
      throw new RangeError(
        `device slow-down must be a number from 1 to ${MAX_SLOWDOWN}, got ${value}`,
      );
    }
    this.#factor = value;
  }

  /**
   * Called when a call that began at `start` (on {@link now}'s clock) has
   * finished: waits until `factor` times its duration has passed since
   * `start`. Returns the milliseconds waited.
   */
  stretch(start: number): number {
    if (this.#factor === 1) return 0;
    const end = this.now();
    const until = start + this.#factor * (end - start);
    let t = end;
    while (t < until) t = this.now();
    return t - end;
  }
}
