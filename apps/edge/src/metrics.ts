import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestRecord } from './session.js';

/** One finished co-inference request, as {@link EdgeMetrics.observeRequest} records it. */
export type RequestObservation = RequestRecord;

/** The edge's Prometheus metrics, on a registry of its own (never prom-client's global one). */
export interface EdgeMetrics {
  registry: Registry;
  /**
   * One co-inference request finished (ok or error); times measured by the caller, in ms.
   * Every request counts and adds to the total duration and the byte counters; the queue,
   * decode and compute histograms take ok requests only, so a request that failed early does
   * not add a zero compute time. Negative or non-finite values are skipped, never thrown.
   */
  observeRequest(r: RequestObservation): void;
  /** Every error frame sent, by its stable code. */
  countError(code: string): void;
  connectionOpened(): void;
  connectionClosed(): void;
  /** Sampled at scrape time. */
  setQueueDepthSource(fn: () => number): void;
  /** Sampled at scrape time. */
  setInFlightSource(fn: () => number): void;
}

/** Histogram buckets in seconds, 0.1 ms .. 5 s in 1-2.5-5 steps. */
const secondsBuckets = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * Creates the metrics of one app: `edgent_*` request, error, duration, payload and
 * connection metrics, plus prom-client's default process metrics (unprefixed), all on a
 * fresh registry so two apps in one process do not share or clash.
 *
 * @example
 * const metrics = createMetrics();
 * metrics.setQueueDepthSource(() => queue.length);
 * await app.register(metricsRoutes(metrics)); // GET /metrics
 */
export function createMetrics(): EdgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new Counter({
    name: 'edgent_requests_total',
    help: 'Co-inference requests finished, by exit, partition kind, tensor dtype and outcome.',
    labelNames: ['exit', 'partition_kind', 'dtype', 'outcome'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'edgent_errors_total',
    help: 'Error frames sent, by error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const seconds = (name: string, help: string) =>
    new Histogram({ name, help, buckets: secondsBuckets, registers });
  const total = seconds(
    'edgent_request_duration_seconds',
    'Time on the edge from a request frame received to its reply sent, every request.',
  );
  const queue = seconds(
    'edgent_queue_duration_seconds',
    'Time a request waited for the compute queue, ok requests.',
  );
  const decode = seconds(
    'edgent_decode_duration_seconds',
    'Time to decode a request frame into a tensor, ok requests.',
  );
  const compute = seconds(
    'edgent_compute_duration_seconds',
    'Time running the tail layers of a request, ok requests.',
  );
  const payload = new Counter({
    name: 'edgent_payload_bytes_total',
    help: 'Frame bytes of co-inference requests received (in) and replies sent (out).',
    labelNames: ['direction'] as const,
    registers,
  });
  const connections = new Gauge({
    name: 'edgent_connections',
    help: 'Open device connections.',
    registers,
  });

  let queueDepth = () => 0;
  let inFlight = () => 0;
  new Gauge({
    name: 'edgent_queue_depth',
    help: 'Requests waiting for the compute queue, sampled at scrape time.',
    registers,
    collect() {
      this.set(queueDepth());
    },
  });
  new Gauge({
    name: 'edgent_in_flight',
    help: 'Requests received and not yet answered, sampled at scrape time.',
    registers,
    collect() {
      this.set(inFlight());
    },
  });

  const observeMs = (h: Histogram, ms: number) => {
    if (Number.isFinite(ms) && ms >= 0) h.observe(ms / 1000);
  };
  const addBytes = (direction: 'in' | 'out', n: number) => {
    if (Number.isFinite(n) && n > 0) payload.inc({ direction }, n);
  };

  return {
    registry,
    observeRequest(r) {
      requests.inc({
        exit: String(r.exit),
        partition_kind: r.partition === 0 ? 'edge-only' : 'split',
        dtype: r.dtype,
        outcome: r.ok ? 'ok' : 'error',
      });
      observeMs(total, r.totalMs);
      if (r.ok) {
        observeMs(queue, r.queueMs);
        observeMs(decode, r.decodeMs);
        observeMs(compute, r.computeMs);
      }
      addBytes('in', r.bytesIn);
      addBytes('out', r.bytesOut);
    },
    countError(code) {
      errors.inc({ code });
    },
    connectionOpened() {
      connections.inc();
    },
    connectionClosed() {
      connections.dec();
    },
    setQueueDepthSource(fn) {
      queueDepth = fn;
    },
    setInFlightSource(fn) {
      inFlight = fn;
    },
  };
}
