/**
 * A clock for tests: time stands still until `advance` moves it, running each
 * timer that falls due at its due time, in due-time order (ties in the order
 * set), including timers set by the timers it runs.
 */
import type { Clock } from '../src/link/clock.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, running the timers due on the way. */
  advance(ms: number): void;
  /** Timers set and not yet run or cleared. */
  pending(): number;
}

export function fakeClock(start = 0): FakeClock {
  let time = start;
  let nextId = 1;
  const timers: Timer[] = [];

  function nextDue(until: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of timers) {
      if (timer.at > until) continue;
      if (
        best === undefined ||
        timer.at < best.at ||
        (timer.at === best.at && timer.id < best.id)
      ) {
        best = timer;
      }
    }
    return best;
  }

  return {
    now: () => time,
    setTimeout(fn, ms) {
      const timer = { id: nextId++, at: time + Math.max(0, ms), fn };
      timers.push(timer);
      return timer.id;
    },
    clearTimeout(handle) {
      const i = timers.findIndex((timer) => timer.id === handle);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms) {
      const until = time + ms;
      for (let timer = nextDue(until); timer !== undefined; timer = nextDue(until)) {
        timers.splice(timers.indexOf(timer), 1);
        time = Math.max(time, timer.at);
        timer.fn();
      }
      time = until;
    },
    pending: () => timers.length,
  };
}
