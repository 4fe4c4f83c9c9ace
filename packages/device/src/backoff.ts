/** How reconnection waits: doubling from `baseMs`, never more than `capMs`. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/** Half a second, doubling, capped at 5 s. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 500, capMs: 5000 });

/**
 * Milliseconds to wait before reconnection attempt `attempt` (0 for the
 * first retry after a failure): `baseMs * 2^attempt`, at most `capMs`.
 *
 * @example [0, 1, 2, 3, 4, 5].map((a) => backoffMs(a)) // [500, 1000, 2000, 4000, 5000, 5000]
 */
export function backoffMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be a whole number >= 0, got ${attempt}`);
  }
  // 2^attempt overflows to Infinity for large attempts; min() keeps the cap.
  return Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
}
