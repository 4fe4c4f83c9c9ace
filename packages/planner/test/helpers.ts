/** Test helpers: a seeded PRNG and reading the real traces shipped in traces/. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BandwidthTrace, parseTrace } from '../src/bandwidth/trace';

import { rng as seededRng } from './fakes';

export { seededRng };

/** Seeded standard normal generator (Box-Muller). */
export function seededNormal(seed: number): () => number {
  const u = seededRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** The real traces shipped in the repository (traces/README.md). */
export const TRACE_DIR = join(import.meta.dirname, '..', '..', '..', 'traces', 'norway-hsdpa');

/** Whether the traces are present; tests that need them skip otherwise. */
export const haveTraces = existsSync(TRACE_DIR);

/** Reads and parses one shipped trace by file name. */
export function readTrace(file: string): BandwidthTrace {
  return parseTrace(readFileSync(join(TRACE_DIR, file), 'utf8'), file);
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >>> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
