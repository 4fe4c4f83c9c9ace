/**
 * Bandwidth traces as data: the `seconds<TAB>megabits_per_second` text format
 * of the shipped traces/ folder (a sample holds until the next one), and reading a
 * rate, a mean rate or a transfer time off a trace. No I/O: callers read the
 * file and pass its text.
 */
import { PlannerError } from '../errors';

/** A bandwidth trace: sample start times in seconds (strictly increasing) and rates in Mbit/s. */
export interface BandwidthTrace {
  t: number[];
  mbps: number[];
}

/** What happens past the last sample: `loop` replays from the start, `clamp` holds the last rate. */
export type TraceEnd = 'loop' | 'clamp';

/** Options for reading a trace past its end. */
export interface TraceReadOptions {
  /** Default `clamp`. */
  atEnd?: TraceEnd;
}

/**
 * Parses trace text: one sample a line, `seconds<TAB>Mbit/s` (any whitespace
 * separates); blank lines and lines starting with `#` are skipped. Throws
 * `EDGENT_ERR_BAD_TRACE` naming the line on anything else.
 *
 * @example parseTrace('0\t1.5\n0.5\t2\n') // { t: [0, 0.5], mbps: [1.5, 2] }
 */
export function parseTrace(text: string, name = 'trace'): BandwidthTrace {
  const t: number[] = [];
  const mbps: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${name} line ${i + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 2) {
      throw bad(
        `${where}: expected 2 fields "seconds<TAB>Mbit/s", got ${fields.length}: "${line}"`,
      );
    }
    const s = Number(fields[0]);
    const r = Number(fields[1]);
    if (!Number.isFinite(s) || s < 0) {
      throw bad(`${where}: seconds must be a finite number >= 0, got "${fields[0]}"`);
    }
    if (!Number.isFinite(r) || r < 0) {
      throw bad(`${where}: Mbit/s must be a finite number >= 0, got "${fields[1]}"`);
    }
    const prev = t[t.length - 1];
    if (prev !== undefined && s <= prev) {
      throw bad(`${where}: seconds must increase, got ${s} after ${prev}`);
    }
    t.push(s);
    mbps.push(r);
  }
  if (t.length === 0) throw bad(`${name}: no samples`);
  return { t, mbps };
}

/**
 * The trace's length in seconds: the last sample's start plus its hold time,
 * taken as the gap before it (1 s for a one-sample trace). `loop` replays with
 * this period.
 */
export function traceDuration(trace: BandwidthTrace): number {
  const n = trace.t.length;
  const last = trace.t[n - 1] as number;
  const gap = n > 1 ? last - (trace.t[n - 2] as number) : 1;
  return last + gap;
}

/** The rate in Mbit/s at `seconds` (before the first sample: the first rate). */
export function rateAt(
  trace: BandwidthTrace,
  seconds: number,
  opts: TraceReadOptions = {},
): number {
  return trace.mbps[sampleIndex(trace, localTime(trace, seconds, opts.atEnd ?? 'clamp'))] as number;
}

/** The time-averaged rate in Mbit/s over `[fromS, toS)`; the rate at `fromS` when the interval is empty. */
export function meanRateBetween(
  trace: BandwidthTrace,
  fromS: number,
  toS: number,
  opts: TraceReadOptions = {},
): number {
  if (!(toS > fromS)) return rateAt(trace, fromS, opts);
  const atEnd = opts.atEnd ?? 'clamp';
  let megabits = 0;
  let s = fromS;
  while (s < toS) {
    const { rate, until } = segmentAt(trace, s, atEnd);
    const end = Math.min(until, toS);
    megabits += rate * (end - s);
    s = end;
  }
  return megabits / (toS - fromS);
}

/**
 * Seconds to move `bytes` over the traced link starting at `startS`
 * (Infinity if the link stays at 0 forever). The work is bounded by the
 * number of samples whatever the rates, the size or the start: in `loop`
 * mode whole replays are counted by division, never walked one by one.
 */
export function transferSeconds(
  trace: BandwidthTrace,
  startS: number,
  bytes: number,
  opts: TraceReadOptions = {},
): number {
  const megabits = (bytes * 8) / 1e6;
  if (!(megabits > 0)) return 0;
  if (!Number.isFinite(megabits) || !Number.isFinite(startS)) return Number.POSITIVE_INFINITY;
  if ((opts.atEnd ?? 'clamp') === 'clamp') {
    const walked = walk(trace, startS, megabits, Number.POSITIVE_INFINITY);
    return walked.left > 0 ? Number.POSITIVE_INFINITY : walked.seconds;
  }
  const period = traceDuration(trace);
  const first = trace.t[0] as number;
  // Local time within the replay; the first pass also holds the first rate before t[0].
  const local = localTime(trace, startS, 'loop');
  const head = walk(trace, local, megabits, period);
  if (head.left <= 0) return head.seconds;
  const perLoop = megabitsBetween(trace, first, period);
  if (!(perLoop > 0)) return Number.POSITIVE_INFINITY;
  // Whole replays, then the rest within one more: at least a sliver is left for the last walk.
  let loops = Math.floor(head.left / perLoop);
  if (loops > 0 && head.left - loops * perLoop <= 0) loops -= 1;
  const left = head.left - loops * perLoop;
  const tail = walk(trace, first, left, period);
  return head.seconds + loops * (period - first) + tail.seconds;
}

/**
 * Walks the trace's own time axis from `from` to at most `to`, moving up to
 * `megabits`: the seconds taken and the megabits left when `to` came first.
 * At most one step per sample.
 */
function walk(
  trace: BandwidthTrace,
  from: number,
  megabits: number,
  to: number,
): { seconds: number; left: number } {
  let left = megabits;
  let s = from;
  for (let i = sampleIndex(trace, from); i < trace.t.length && s < to; i++) {
    const rate = trace.mbps[i] as number;
    const next = i + 1 < trace.t.length ? (trace.t[i + 1] as number) : to;
    const until = Math.min(Math.max(next, s), to);
    if (rate > 0) {
      const need = left / rate;
      if (s + need <= until) return { seconds: s + need - from, left: 0 };
      left -= rate * (until - s);
    }
    s = until;
  }
  return { seconds: s - from, left: Math.max(left, Number.MIN_VALUE) };
}

/** Megabits the trace carries over its own time axis [from, to) within one replay. */
function megabitsBetween(trace: BandwidthTrace, from: number, to: number): number {
  let megabits = 0;
  for (let i = sampleIndex(trace, from); i < trace.t.length; i++) {
    const start = Math.max(trace.t[i] as number, from);
    const end = Math.min(i + 1 < trace.t.length ? (trace.t[i + 1] as number) : to, to);
    if (end > start) megabits += (trace.mbps[i] as number) * (end - start);
  }
  return megabits;
}

/** A copy of the trace with every rate multiplied by `factor` (> 0), e.g. to sweep the paper's 50 kbit/s-1.5 Mbit/s. */
export function scaleTrace(trace: BandwidthTrace, factor: number): BandwidthTrace {
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_OPTION',
      `scaleTrace factor must be a finite number > 0, got ${factor}`,
    );
  }
  return { t: [...trace.t], mbps: trace.mbps.map((r) => r * factor) };
}

function bad(message: string): PlannerError {
  return new PlannerError('EDGENT_ERR_BAD_TRACE', message);
}

/** Maps absolute seconds into the trace's own time axis. */
function localTime(trace: BandwidthTrace, seconds: number, atEnd: TraceEnd): number {
  if (atEnd === 'clamp') return seconds;
  const period = traceDuration(trace);
  const first = trace.t[0] as number;
  if (seconds < period) return seconds;
  // Replays [first, period) after the end.
  const span = period - first;
  return first + ((seconds - period) % span);
}

/** Index of the sample holding at local time `s` (0 before the first sample). */
function sampleIndex(trace: BandwidthTrace, s: number): number {
  const t = trace.t;
  let lo = 0;
  let hi = t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((t[mid] as number) <= s) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The rate holding at absolute time `s` and the absolute time it stops holding. */
function segmentAt(
  trace: BandwidthTrace,
  s: number,
  atEnd: TraceEnd,
): { rate: number; until: number } {
  const local = localTime(trace, s, atEnd);
  const i = sampleIndex(trace, local);
  const rate = trace.mbps[i] as number;
  const n = trace.t.length;
  if (i === n - 1) {
    if (atEnd === 'clamp') return { rate, until: Number.POSITIVE_INFINITY };
    return { rate, until: s + (traceDuration(trace) - local) };
  }
  return { rate, until: s + ((trace.t[i + 1] as number) - local) };
}
