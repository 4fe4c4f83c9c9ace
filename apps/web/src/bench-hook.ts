import { runSlice, type Timing, timeJobs } from '@edgent/model';
import * as tf from '@tensorflow/tfjs-core';
import type { Engine } from './session/engine';

/**
 * What the page exposes on `globalThis.edgentBench` for benchmarks
 * (bench/page-head.ts): the backend in use, and the heads [0, p) of an exit
 * path timed in this page with the same `timeJobs` as Node, through the
 * device queue so nothing else runs meanwhile.
 */
interface BenchHook {
  /** Resolves when the page is ready (model loaded, device profiled). */
  ready: Promise<void>;
  backend: () => string;
  timeHeads: (exit: number, partitions: number[], runs: number) => Promise<Timing[]>;
}

/** Installs the hook for `engine`. */
export function installBenchHook(engine: Engine): void {
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      const s = engine.getState();
      if (s.stage === 'ready') resolve();
      else if (s.stage === 'failed') reject(new Error(s.fatal ?? 'the page failed to start'));
      else return false;
      return true;
    };
    if (check()) return;
    const stop = engine.subscribe(() => {
      if (check()) stop();
    });
  });
  const hook: BenchHook = {
    ready,
    backend: () => engine.getState().backend ?? '',
    timeHeads: async (exit, partitions, runs) => {
      await ready;
      return engine.withModel(async (model) => {
        const x = tf.randomUniform([1, ...model.spec.input], 0, 1, 'float32', 1);
        try {
          return await timeJobs(
            partitions.map((p) => ({ run: () => runSlice(model, exit, 0, p, x) })),
            { warmup: 2, runs, now: () => performance.now() },
          );
        } finally {
          x.dispose();
        }
      });
    },
  };
  (globalThis as unknown as { edgentBench: BenchHook }).edgentBench = hook;
}
