/** Test helpers: a seeded PRNG and reading the shared real traces. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BandwidthTrace, parseTrace } from '../src/bandwidth/trace';

/** Seeded uniform [0, 1) generator (mulberry32). */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded standard normal generator (Box-Muller). */
export function seededNormal(seed: number): () => number {
  const u = seededRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** The shared real traces' folder: /work/shared/traces beside the checkout (repo root/../shared/traces). */
export const TRACE_DIR = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'traces',
  'norway-hsdpa',
);

/** Whether the shared traces are present; tests that need them skip otherwise. */
export const haveTraces = existsSync(TRACE_DIR);

/** Reads and parses one shared trace by file name. */
export function readTrace(file: string): BandwidthTrace {
  return parseTrace(readFileSync(join(TRACE_DIR, file), 'utf8'), file);
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >>> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
