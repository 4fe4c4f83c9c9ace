import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type EdgeMetrics } from '../src/metrics.js';

type RequestObservation = Parameters<EdgeMetrics['observeRequest']>[0];

import { metricsRoutes } from '../src/routes/metrics.js';

const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function serve(metrics: EdgeMetrics): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  apps.push(app);
  await app.register(metricsRoutes(metrics));
  return app;
}

/** One sample of the text format: `name{a="x",b="y"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      if (k !== undefined && v !== undefined) labels[k] = v;
    }
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one sample named `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) {
    throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  }
  return found[0]?.value ?? Number.NaN;
}

async function scrape(app: FastifyInstance): Promise<Sample[]> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(res.body);
}

const request = (over: Partial<RequestObservation> = {}): RequestObservation => ({
  exit: 4,
  partition: 3,
  dtype: 'float32',
  ok: true,
  totalMs: 20,
  queueMs: 2,
  decodeMs: 1,
  computeMs: 15,
  bytesIn: 1000,
  bytesOut: 60,
  ...over,
});

describe('GET /metrics', () => {
  it('counts requests by exit, partition kind, dtype and outcome', async () => {
    const metrics = createMetrics();
    metrics.observeRequest(request());
    metrics.observeRequest(request({ partition: 5 }));
    metrics.observeRequest(request({ partition: 0, dtype: 'int8' }));
    metrics.observeRequest(request({ exit: 1, ok: false }));
    const s = await scrape(await serve(metrics));
    const ok = { exit: '4', dtype: 'float32', outcome: 'ok' };
    expect(value(s, 'edgent_requests_total', { ...ok, partition_kind: 'split' })).toBe(2);
    expect(
      value(s, 'edgent_requests_total', { ...ok, dtype: 'int8', partition_kind: 'edge-only' }),
    ).toBe(1);
    expect(value(s, 'edgent_requests_total', { exit: '1', outcome: 'error' })).toBe(1);
    expect(s.filter((x) => x.name === 'edgent_requests_total')).toHaveLength(3);
    expect(s.some((x) => 'partition' in x.labels)).toBe(false);
  });

  it('observes durations in seconds: every request in the total, ok ones in the stages', async () => {
    const metrics = createMetrics();
    metrics.observeRequest(request({ totalMs: 12, queueMs: 2, decodeMs: 0.5, computeMs: 8 }));
    metrics.observeRequest(request({ totalMs: 30, queueMs: 4, decodeMs: 1.5, computeMs: 20 }));
    metrics.observeRequest(request({ ok: false, totalMs: 3, queueMs: 1, computeMs: 0 }));
    const s = await scrape(await serve(metrics));
    expect(value(s, 'edgent_request_duration_seconds_count')).toBe(3);
    expect(value(s, 'edgent_request_duration_seconds_sum')).toBeCloseTo(0.045, 9);
    expect(value(s, 'edgent_queue_duration_seconds_count')).toBe(2);
    expect(value(s, 'edgent_queue_duration_seconds_sum')).toBeCloseTo(0.006, 9);
    expect(value(s, 'edgent_decode_duration_seconds_sum')).toBeCloseTo(0.002, 9);
    expect(value(s, 'edgent_compute_duration_seconds_count')).toBe(2);
    expect(value(s, 'edgent_compute_duration_seconds_sum')).toBeCloseTo(0.028, 9);
    // Cumulative buckets from 0.1 ms to 5 s: 12 ms and 30 ms both fall under 50 ms, one under 25 ms.
    const bucket = (le: string) => value(s, 'edgent_compute_duration_seconds_bucket', { le });
    expect(bucket('0.0001')).toBe(0);
    expect(bucket('0.01')).toBe(1);
    expect(bucket('0.025')).toBe(2);
    expect(bucket('5')).toBe(2);
    expect(bucket('+Inf')).toBe(2);
  });

  it('adds payload bytes by direction and skips values it cannot count', async () => {
    const metrics = createMetrics();
    metrics.observeRequest(request({ bytesIn: 1000, bytesOut: 60 }));
    metrics.observeRequest(request({ ok: false, bytesIn: 500, bytesOut: 0 }));
    metrics.observeRequest(request({ bytesIn: Number.NaN, bytesOut: -1, totalMs: Infinity }));
    const s = await scrape(await serve(metrics));
    expect(value(s, 'edgent_payload_bytes_total', { direction: 'in' })).toBe(1500);
    expect(value(s, 'edgent_payload_bytes_total', { direction: 'out' })).toBe(60);
    expect(value(s, 'edgent_request_duration_seconds_count')).toBe(2);
    expect(value(s, 'edgent_requests_total', { outcome: 'ok' })).toBe(2);
  });

  it('counts error frames by code', async () => {
    const metrics = createMetrics();
    metrics.countError('EDGENT_ERR_BAD_PARTITION');
    metrics.countError('EDGENT_ERR_BAD_PARTITION');
    metrics.countError('EDGENT_ERR_BAD_FRAME');
    const s = await scrape(await serve(metrics));
    expect(value(s, 'edgent_errors_total', { code: 'EDGENT_ERR_BAD_PARTITION' })).toBe(2);
    expect(value(s, 'edgent_errors_total', { code: 'EDGENT_ERR_BAD_FRAME' })).toBe(1);
  });

  it('samples in-flight, queued and running at scrape time, and tracks connections', async () => {
    const metrics = createMetrics();
    const app = await serve(metrics);
    let s = await scrape(app);
    expect(value(s, 'edgent_queue_depth')).toBe(0);
    expect(value(s, 'edgent_requests_in_flight')).toBe(0);
    expect(value(s, 'edgent_requests_running')).toBe(0);
    expect(value(s, 'edgent_connections')).toBe(0);

    let depth = 3;
    metrics.setSources({
      queued: () => depth,
      inFlight: () => depth + 1,
      running: () => 1,
    });
    metrics.connectionOpened();
    metrics.connectionOpened();
    metrics.connectionOpened();
    metrics.connectionClosed();
    s = await scrape(app);
    expect(value(s, 'edgent_queue_depth')).toBe(3);
    expect(value(s, 'edgent_requests_in_flight')).toBe(4);
    expect(value(s, 'edgent_requests_running')).toBe(1);
    expect(value(s, 'edgent_connections')).toBe(2);

    depth = 7;
    s = await scrape(app);
    expect(value(s, 'edgent_queue_depth')).toBe(7);
    expect(value(s, 'edgent_requests_in_flight')).toBe(8);
  });

  it("includes prom-client's default process metrics, unprefixed", async () => {
    const s = await scrape(await serve(createMetrics()));
    expect(s.some((x) => x.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(s.some((x) => x.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    expect(s.some((x) => x.name.startsWith('edgent_process_'))).toBe(false);
  });

  it('keeps two apps in one process on independent registries', async () => {
    const a = createMetrics();
    const b = createMetrics();
    expect(a.registry).not.toBe(b.registry);
    a.observeRequest(request());
    a.countError('EDGENT_ERR_BAD_FRAME');
    a.setSources({ queued: () => 5 });
    b.observeRequest(request({ exit: 2 }));
    b.observeRequest(request({ exit: 2 }));
    const [sa, sb] = [await scrape(await serve(a)), await scrape(await serve(b))];
    expect(value(sa, 'edgent_requests_total', { exit: '4' })).toBe(1);
    expect(sa.some((x) => x.name === 'edgent_requests_total' && x.labels.exit === '2')).toBe(false);
    expect(value(sb, 'edgent_requests_total', { exit: '2' })).toBe(2);
    expect(sb.some((x) => x.name === 'edgent_errors_total')).toBe(false);
    expect(value(sa, 'edgent_queue_depth')).toBe(5);
    expect(value(sb, 'edgent_queue_depth')).toBe(0);
  });
});
