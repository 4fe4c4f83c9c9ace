import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolHealth, TaskCounts, WorkerStats } from './pool/index.js';
import type { RequestRecord } from './session.js';

/** One finished co-inference request, as {@link EdgeMetrics.observeRequest} records it. */
type RequestObservation = RequestRecord;

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
  /** Where the gauges sampled at scrape time read from. */
  setSources(sources: Partial<MetricSources>): void;
}

/** What the scrape-time gauges read. */
interface MetricSources {
  /** Requests received from devices and not yet answered. */
  inFlight: () => number;
  /** Of those, waiting for a worker. */
  queued: () => number;
  /** Of those, running in a worker. */
  running: () => number;
  /** Each ready worker's memory. */
  workers: () => WorkerStats[];
  /** Whether the pool has all its workers. */
  pool: () => PoolHealth;
  /** Tasks the workers answered, by outcome. */
  tasks: () => TaskCounts;
}

/**
 * prom-client's default gauges that end in `_total`, which Prometheus keeps for counters
 * (`promtool check metrics` fails on them). Each is the sum of a gauge it also exports by type
 * (`nodejs_active_handles{type}`...), so nothing is lost by leaving them out.
 */
const suffixedGauges = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

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
 * metrics.setSources({ queued: () => queue.length });
 * await app.register(metricsRoutes(metrics)); // GET /metrics
 */
export function createMetrics(): EdgeMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  for (const name of suffixedGauges) registry.removeSingleMetric(name);

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

  const src: MetricSources = {
    inFlight: () => 0,
    queued: () => 0,
    running: () => 0,
    workers: () => [],
    pool: () => ({ ready: 0, workers: 0, replaced: 0 }),
    tasks: () => ({ done: 0, failed: 0, skipped: 0 }),
  };
  const sampled = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  sampled(
    'edgent_requests_in_flight',
    'Requests received from devices and not yet answered (queued plus running plus being sent), sampled at scrape time.',
    () => src.inFlight(),
  );
  sampled(
    'edgent_queue_depth',
    'Requests waiting for an inference worker, sampled at scrape time.',
    () => src.queued(),
  );
  sampled(
    'edgent_requests_running',
    'Requests an inference worker has taken and not yet answered, sampled at scrape time.',
    () => src.running(),
  );
  sampled(
    'edgent_pool_workers',
    'Inference workers the pool should have.',
    () => src.pool().workers,
  );
  sampled(
    'edgent_pool_workers_ready',
    'Inference workers ready to take requests; under edgent_pool_workers while one is replaced.',
    () => src.pool().ready,
  );
  let replacedSeen = 0;
  new Counter({
    name: 'edgent_pool_worker_replacements_total',
    help: 'Inference workers that broke or died and were replaced.',
    registers,
    collect() {
      const replaced = src.pool().replaced;
      if (replaced > replacedSeen) this.inc(replaced - replacedSeen);
      replacedSeen = Math.max(replacedSeen, replaced);
    },
  });
  const tasksSeen: TaskCounts = { done: 0, failed: 0, skipped: 0 };
  new Counter({
    name: 'edgent_worker_tasks_total',
    help: 'Tasks the inference workers answered: done (a result), failed, or skipped (cancelled before a worker started it: its request timed out or its session closed).',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      const now = src.tasks();
      for (const outcome of ['done', 'failed', 'skipped'] as const) {
        const delta = now[outcome] - tasksSeen[outcome];
        if (delta > 0) this.inc({ outcome }, delta);
        this.inc({ outcome }, 0);
        tasksSeen[outcome] = Math.max(tasksSeen[outcome], now[outcome]);
      }
    },
  });
  const perWorker = (name: string, help: string, read: (w: WorkerStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['worker'] as const,
      registers,
      collect() {
        this.reset();
        for (const w of src.workers()) this.set({ worker: String(w.worker) }, read(w));
      },
    });
  perWorker(
    'edgent_worker_tensors',
    "tfjs tensors held by each inference worker after its latest task (the model's weights and nothing more when nothing leaks).",
    (w) => w.tensors,
  );
  perWorker(
    'edgent_worker_heap_bytes',
    "Bytes used on each inference worker's JavaScript heap after its latest task.",
    (w) => w.heapBytes,
  );
  perWorker(
    'edgent_worker_wasm_memory_bytes',
    "Bytes of each inference worker's wasm backend memory (grows, never shrinks; 0 on other backends).",
    (w) => w.wasmBytes,
  );

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
    setSources(sources) {
      Object.assign(src, sources);
    },
  };
}
