/**
 * A clock of training time that leaves out pauses: `kill -TSTP <pid>` (or
 * Ctrl-Z) stops the whole process, worker threads included, until `kill -CONT
 * <pid>` (or `fg`); the time stopped is not counted. So a long training run
 * can give the machine back for a while and still report what it took.
 */
export class PauseClock {
  #pausedMs = 0;
  #pausedAt: number | undefined;
  readonly #onStop = () => {
    this.#pausedAt = performance.now();
    process.stderr.write(`paused (pid ${process.pid}); continue with kill -CONT ${process.pid}\n`);
    process.kill(process.pid, 'SIGSTOP');
  };
  readonly #onContinue = () => {
    if (this.#pausedAt === undefined) return;
    const ms = performance.now() - this.#pausedAt;
    this.#pausedMs += ms;
    this.#pausedAt = undefined;
    process.stderr.write(`continued after ${(ms / 1000).toFixed(0)} s paused (not counted)\n`);
  };

  constructor() {
    process.on('SIGTSTP', this.#onStop);
    process.on('SIGCONT', this.#onContinue);
  }

  /** Milliseconds since an arbitrary origin, not counting pauses. */
  now(): number {
    return performance.now() - this.#pausedMs;
  }

  /** Stops listening for the signals. */
  close(): void {
    process.off('SIGTSTP', this.#onStop);
    process.off('SIGCONT', this.#onContinue);
  }
}
