/**
 * What happened over time, for the charts: the bandwidth estimate after each
 * measurement, and per answer its plan and its latency against the deadline.
 * Bounded; each push returns a new History so React sees the change.
 */

/** Columns, one entry per point; `t` in seconds since the page started. */
export interface History {
  bandwidth: { t: number[]; mbps: number[] };
  requests: {
    t: number[];
    exit: number[];
    partition: number[];
    measuredMs: number[];
    predictedMs: number[];
    deadlineMs: number[];
  };
  /** Marks on every chart. */
  events: HistoryEvent[];
}

/**
 * Something that happened at `t`: the link was applied, the simulated device speed set, a change
 * detected, or the plan switched.
 */
export interface HistoryEvent {
  t: number;
  kind: 'link' | 'device' | 'change' | 'plan';
  label: string;
}

/** Points kept per series. */
const HISTORY_LIMIT = 300;

export const EMPTY_HISTORY: History = Object.freeze({
  bandwidth: { t: [], mbps: [] },
  requests: { t: [], exit: [], partition: [], measuredMs: [], predictedMs: [], deadlineMs: [] },
  events: [],
});

function appendAll<K extends string>(
  columns: Record<K, number[]>,
  row: Record<K, number>,
  limit: number,
): Record<K, number[]> {
  const out = {} as Record<K, number[]>;
  for (const key of Object.keys(columns) as K[]) {
    const next = [...columns[key], row[key]];
    out[key] = next.length > limit ? next.slice(next.length - limit) : next;
  }
  return out;
}

/** Adds a bandwidth estimate (bit/s) at `t` seconds. */
export function pushBandwidth(h: History, t: number, bps: number, limit = HISTORY_LIMIT): History {
  return { ...h, bandwidth: appendAll(h.bandwidth, { t, mbps: bps / 1e6 }, limit) };
}

/** Adds an event mark. */
export function pushEvent(h: History, event: HistoryEvent, limit = HISTORY_LIMIT): History {
  const events = [...h.events, event];
  return { ...h, events: events.length > limit ? events.slice(events.length - limit) : events };
}

/** One answer's point: its time, plan and latencies. */
export type RequestPoint = { [K in keyof History['requests']]: number };

/** Adds one answer. */
export function pushRequest(h: History, row: RequestPoint, limit = HISTORY_LIMIT): History {
  return { ...h, requests: appendAll(h.requests, row, limit) };
}
