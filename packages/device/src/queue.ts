/**
 * One queue for everything that times this device or the link: inferences,
 * profiling and idle probes run one at a time, in order, so no measurement
 * overlaps another.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private running = false;

  /** Runs `task` after every task queued before it; its result or error comes back here only. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(async () => {
      this.waiting--;
      this.running = true;
      try {
        return await task();
      } finally {
        this.running = false;
      }
    });
    // A failed task does not stop the ones after it.
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Nothing running and nothing waiting. */
  get idle(): boolean {
    return !this.running && this.waiting === 0;
  }

  /** Tasks queued and not yet started. */
  get pending(): number {
    return this.waiting;
  }
}
