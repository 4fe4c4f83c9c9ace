import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../src/queue';

describe('SerialQueue', () => {
  it('runs tasks one at a time, in order, and goes on after a failure', async () => {
    const q = new SerialQueue();
    const events: string[] = [];
    let running = 0;
    const task =
      (name: string, fail = false) =>
      async () => {
        running++;
        expect(running).toBe(1);
        events.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, 5));
        events.push(`end ${name}`);
        running--;
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      q.run(task('a')),
      q.run(task('b', true)),
      q.run(task('c')),
    ]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(q.idle).toBe(true);
  });

  it('knows when it is busy', async () => {
    const q = new SerialQueue();
    let release: () => void = () => {};
    const first = q.run(() => new Promise<void>((r) => (release = r)));
    const second = q.run(async () => {});
    expect(q.idle).toBe(false);
    expect(q.pending).toBeGreaterThanOrEqual(1);
    await Promise.resolve();
    release();
    await Promise.all([first, second]);
    expect(q.idle).toBe(true);
  });
});
