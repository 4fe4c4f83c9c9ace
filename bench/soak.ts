/**
 * Soaking the edge: a real `edgent serve` in its own process under device
 * sessions over loopback WebSockets, sampled every few seconds (RSS, worker
 * tensors, heap and wasm memory, requests in flight, latency per window):
 *
 * 1. burst: 200 sessions for 60 s, each a closed loop of one request
 *    (batch 1, a random exit and cut, float32, int8 or raw bytes) and a
 *    random think time;
 * 2. steady: 20 sessions for 5 minutes, the same;
 * 3. after the load: RSS and tensors against before it;
 * 4. abuse: devices that ask for profiles and never read, and devices that
 *    send frames at the work bound (64 examples at the largest cut under the
 *    payload limit) back to back, each with the edge's RSS before, at its
 *    peak and after;
 * 5. SIGTERM while 20 sessions each keep 4 requests in flight: how many of
 *    those were answered, and how long the edge took to exit.
 *
 *   pnpm bench:soak [--burst-sessions 200] [--burst-seconds 60] [--steady-sessions 20]
 *                   [--steady-seconds 300] [--think-ms 100] [--workers 2]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EdgeClient } from '@edgent/device';
import { describeMachine, describeModel, type ExitPath, readModelDir } from '@edgent/model/node';
import { encodeControl, HEADER_BYTES, type InferenceRequest, wsChannel } from '@edgent/protocol';
import { WebSocket } from 'ws';
import { modelDir, rssBytes, scrapeMetrics, startEdge } from './src/edge-process';
import { median, writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    'burst-sessions': { type: 'string', default: '200' },
    'burst-seconds': { type: 'string', default: '60' },
    'steady-sessions': { type: 'string', default: '20' },
    'steady-seconds': { type: 'string', default: '300' },
    'think-ms': { type: 'string', default: '100' },
    workers: { type: 'string', default: '2' },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'soak') },
  },
});
const num = (name: keyof typeof flags) => {
  const v = Number(flags[name]);
  if (!(v > 0)) throw new Error(`--${name} must be a number > 0, got ${flags[name]}`);
  return v;
};
const burstSessions = num('burst-sessions');
const burstSeconds = num('burst-seconds');
const steadySessions = num('steady-sessions');
const steadySeconds = num('steady-seconds');
const thinkMs = num('think-ms');
const workers = num('workers');
const MAX_PAYLOAD = 4 * 2 ** 20;
const MAX_BATCH = 64;

const { manifest } = await readModelDir(modelDir);
const model = { id: manifest.id, hash: manifest.hash };
const paths: ExitPath[] = describeModel(manifest.architecture);

const shapeAt = (path: ExitPath, p: number): number[] => {
  const layers = path.layers;
  const layer = p < layers.length ? layers[p] : layers[layers.length - 1];
  return [...((p < layers.length ? layer?.inputShape : layer?.outputShape) ?? [])];
};
const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A request a device could send: `batch` examples at cut `partition` of `exit`. */
function request(
  exit: number,
  partition: number,
  batch: number,
  dtype: InferenceRequest['dtype'],
): InferenceRequest {
  const path = paths[exit] as ExitPath;
  const shape = [batch, ...shapeAt(path, partition)];
  const n = count(shape);
  if (dtype === 'float32') {
    const v = Float32Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100);
    return { exit, partition, dtype, shape, payload: new Uint8Array(v.buffer) };
  }
  const payload = Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
  return dtype === 'int8'
    ? { exit, partition, dtype, shape, payload, scale: 0.01, zeroPoint: 0 }
    : { exit, partition, dtype, shape, payload };
}

/** The plans devices use: edge-only on raw bytes, and cuts in float32 and int8, on every exit. */
const plans: InferenceRequest[] = paths.flatMap((path) => {
  const n = path.layers.length;
  return [
    request(path.exit, 0, 1, 'uint8'),
    request(path.exit, Math.floor(n / 3), 1, 'float32'),
    request(path.exit, Math.floor((2 * n) / 3), 1, 'int8'),
  ];
});

/** The frame at the work bound: 64 examples at the cut with the largest payload under the limit. */
const atBound: InferenceRequest = (() => {
  let best: InferenceRequest | undefined;
  for (const path of paths) {
    for (let p = 0; p < path.layers.length; p++) {
      const bytes = MAX_BATCH * count(shapeAt(path, p)) * (p === 0 ? 1 : 4);
      if (bytes > MAX_PAYLOAD) continue;
      if (!best || bytes > best.payload.byteLength) {
        best = request(path.exit, p, MAX_BATCH, p === 0 ? 'uint8' : 'float32');
      }
    }
  }
  if (!best) throw new Error('no cut fits 64 examples under the payload limit');
  return best;
})();

async function connect(url: string): Promise<EdgeClient> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  await new Promise<void>((ok, fail) => {
    socket.once('open', () => ok());
    socket.once('error', fail);
  });
  return EdgeClient.connect(wsChannel(socket as never), { model, now: () => performance.now() });
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

const edge = await startEdge(workers);
const { child, url } = edge;

interface Sample {
  t: number;
  phase: string;
  rssMiB: number;
  inFlight: number;
  queued: number;
  tensors: number[];
  heapMiB: number[];
  wasmMiB: number[];
  requests: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
}
const samples: Sample[] = [];
let phase = 'warm-up';
let windowLatencies: number[] = [];
let windowFailures = 0;
const failuresByPhase = new Map<string, Map<string, number>>();
const latenciesByPhase = new Map<string, number[]>();
const t0 = performance.now();

async function sample(): Promise<Sample> {
  const m = (await scrapeMetrics(url)).value;
  const per = (name: string, scale = 1) =>
    Array.from({ length: workers }, (_, w) => m(name, { worker: String(w) }) / scale);
  const s: Sample = {
    t: Math.round((performance.now() - t0) / 1000),
    phase,
    rssMiB: mib(rssBytes(child.pid)),
    inFlight: m('edgent_requests_in_flight'),
    queued: m('edgent_queue_depth'),
    tensors: per('edgent_worker_tensors'),
    heapMiB: per('edgent_worker_heap_bytes', 2 ** 20).map(r1),
    wasmMiB: per('edgent_worker_wasm_memory_bytes', 2 ** 20).map(r1),
    requests: windowLatencies.length,
    failures: windowFailures,
    p50Ms: r1(quantile(windowLatencies, 0.5)),
    p99Ms: r1(quantile(windowLatencies, 0.99)),
  };
  windowLatencies = [];
  windowFailures = 0;
  return s;
}

let sampling = true;
const sampler = (async () => {
  while (sampling) {
    await new Promise((r) => setTimeout(r, 5_000));
    if (!sampling) break;
    const s = await sample();
    samples.push(s);
    process.stderr.write(
      `${s.t} s ${s.phase}: RSS ${s.rssMiB} MiB, ${s.requests} req (p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms), ${s.failures} failed, in flight ${s.inFlight}, tensors ${s.tensors.join('/')}\n`,
    );
  }
})();

/** `sessions` devices, each a closed loop of request and think, for `seconds`. */
async function load(name: string, sessions: number, seconds: number): Promise<void> {
  phase = name;
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  latenciesByPhase.set(name, latencies);
  failuresByPhase.set(name, failures);
  const clients = await Promise.all(Array.from({ length: sessions }, () => connect(url)));
  const end = performance.now() + seconds * 1000;
  let k = 0;
  await Promise.all(
    clients.map(async (client, i) => {
      // Sessions start spread over one think time, as devices arrive.
      await new Promise((r) => setTimeout(r, (i * thinkMs) / sessions));
      while (performance.now() < end) {
        const plan = plans[k++ % plans.length] as InferenceRequest;
        try {
          const reply = await client.request(plan);
          latencies.push(reply.elapsedMs);
          windowLatencies.push(reply.elapsedMs);
        } catch (e) {
          const code = (e as { code?: string }).code ?? String(e);
          failures.set(code, (failures.get(code) ?? 0) + 1);
          windowFailures++;
        }
        await new Promise((r) => setTimeout(r, Math.random() * 2 * thinkMs));
      }
    }),
  );
  for (const c of clients) c.close();
}

// Warm-up, then the baseline.
await load('warm-up', 4, 5);
await new Promise((r) => setTimeout(r, 3_000));
const before = await sample();

await load('burst', burstSessions, burstSeconds);
await load('steady', steadySessions, steadySeconds);
phase = 'after';
await new Promise((r) => setTimeout(r, 5_000));
const after = await sample();

/** Runs `abuse`, sampling the edge's RSS every 250 ms; RSS before, at the peak and 5 s after. */
async function measured<T extends Record<string, number>>(abuse: () => Promise<T>) {
  await new Promise((r) => setTimeout(r, 2_000));
  const rss0 = rssBytes(child.pid);
  let peak = rss0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      peak = Math.max(peak, rssBytes(child.pid));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const counts = await abuse();
  watching = false;
  await watcher;
  await new Promise((r) => setTimeout(r, 5_000));
  const rss1 = rssBytes(child.pid);
  return {
    ...counts,
    rssBeforeMiB: mib(rss0),
    rssPeakMiB: mib(peak),
    rssAfterMiB: mib(rss1),
    growthMiB: mib(peak - rss0),
  };
}

phase = 'slow readers';
const slowReaders = await measured(async () => {
  const readers = 10;
  let cut = 0;
  let sent = 0;
  await Promise.all(
    Array.from({ length: readers }, async () => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`);
      await new Promise<void>((ok, fail) => {
        socket.once('open', () => ok());
        socket.once('error', fail);
      });
      const closed = new Promise<void>((ok) => socket.once('close', () => ok()));
      socket.send(encodeControl({ type: 'hello', modelId: model.id, modelHash: model.hash }));
      socket.pause();
      let done = false;
      void closed.then(() => {
        done = true;
      });
      const until = performance.now() + 60_000;
      while (!done && performance.now() < until && socket.readyState === WebSocket.OPEN) {
        for (let i = 0; i < 20; i++) socket.send(encodeControl({ type: 'profileRequest' }));
        sent += 20;
        await new Promise((r) => setTimeout(r, 10));
      }
      socket.resume();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
      if (done) cut++;
      socket.terminate();
    }),
  );
  return { readers, profileRequestsSent: sent, cutOff: cut };
});

phase = 'work bound';
const workBound = await measured(async () => {
  const sessions = 8;
  const clients = await Promise.all(Array.from({ length: sessions }, () => connect(url)));
  const end = performance.now() + 20_000;
  let answered = 0;
  let failed = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        try {
          await c.request(atBound);
          answered++;
        } catch {
          failed++;
        }
      }
      c.close();
    }),
  );
  // One frame over the bound: refused and its session closed.
  const over = await connect(url);
  const refused = await over
    .request({
      ...atBound,
      shape: [MAX_BATCH + 1, ...atBound.shape.slice(1)],
      payload: new Uint8Array((atBound.payload.byteLength / MAX_BATCH) * (MAX_BATCH + 1)),
    })
    .then(
      () => 'answered',
      (e: { code?: string }) => e.code ?? 'error',
    );
  return {
    sessions,
    answered,
    failed,
    overBoundRefusedWith: refused === 'EDGENT_ERR_BATCH_TOO_LARGE' ? 1 : 0,
  };
});

// SIGTERM while every session keeps 4 requests in flight.
phase = 'SIGTERM';
sampling = false;
await sampler;
const drainSessions = 20;
const clients = await Promise.all(Array.from({ length: drainSessions }, () => connect(url)));
let inFlightAtSignal = 0;
const outcomes = new Map<string, number>();
let signalled = false;
const loops = clients.map(async (client) => {
  const one = async (): Promise<void> => {
    const plan = plans[Math.floor(Math.random() * plans.length)] as InferenceRequest;
    let outcome: string;
    try {
      await client.request(plan);
      outcome = 'result';
    } catch (e) {
      outcome = (e as { code?: string }).code ?? 'error';
    }
    if (signalled) {
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      return;
    }
    return one();
  };
  await Promise.all([one(), one(), one(), one()]);
});
await new Promise((r) => setTimeout(r, 3_000));
const exitedAt = new Promise<number>((resolve) =>
  child.once('exit', () => resolve(performance.now())),
);
const exitCode = new Promise<number | null>((resolve) =>
  child.once('exit', (code) => resolve(code)),
);
inFlightAtSignal = 4 * drainSessions;
signalled = true;
const signalAt = performance.now();
child.kill('SIGTERM');
await Promise.all(loops);
const exitMs = (await exitedAt) - signalAt;
const code = await exitCode;
const notCountedAsClosed = [...outcomes.entries()].filter(([k]) => k !== 'EDGENT_ERR_CLOSED');
const drain = {
  sessions: drainSessions,
  inFlightAtSignal,
  answered: notCountedAsClosed.reduce((n, [, v]) => n + v, 0),
  outcomes: Object.fromEntries(outcomes),
  exitMs: Math.round(exitMs),
  drainTimeoutMs: 10_000,
  exitCode: code,
};

const phaseRows = ['burst', 'steady'].map((name) => {
  const l = latenciesByPhase.get(name) ?? [];
  const f = failuresByPhase.get(name) ?? new Map();
  return {
    phase: name,
    sessions: name === 'burst' ? burstSessions : steadySessions,
    seconds: name === 'burst' ? burstSeconds : steadySeconds,
    requests: l.length,
    failed: [...f.values()].reduce((a, b) => a + b, 0),
    failures: Object.fromEntries(f),
    p50Ms: r1(median(l)),
    p99Ms: r1(quantile(l, 0.99)),
  };
});
const machine = describeMachine();
const json = {
  machine,
  workers,
  thinkMs,
  phases: phaseRows,
  before,
  after,
  samples,
  slowReaders,
  workBound: {
    ...workBound,
    frame: {
      exit: atBound.exit,
      partition: atBound.partition,
      dtype: atBound.dtype,
      shape: atBound.shape,
      bytes: atBound.payload.byteLength + HEADER_BYTES,
    },
  },
  drain,
};
const rssChange = (after.rssMiB - before.rssMiB) / before.rssMiB;
const md = [
  '# Soaking the edge',
  '',
  `\`pnpm bench:soak --burst-sessions ${burstSessions} --burst-seconds ${burstSeconds} --steady-sessions ${steadySessions} --steady-seconds ${steadySeconds} --think-ms ${thinkMs} --workers ${workers}\``,
  '',
  `\`edgent serve --workers ${workers}\` in its own process; device sessions (EdgeClient over loopback WebSockets) in this`,
  `process, each a closed loop of one batch-1 request (every exit; edge-only on raw bytes, and cuts at a third and two`,
  `thirds of the path in float32 and int8) and a think time uniform in 0..${2 * thinkMs} ms. Machine: ${machine.cpu},`,
  `${machine.cores} cores, Node ${machine.node}; the edge and the clients share the cores.`,
  '',
  '| phase | sessions | seconds | requests | failed | p50 ms | p99 ms |',
  '|---|---|---|---|---|---|---|',
  ...phaseRows.map(
    (r) =>
      `| ${r.phase} | ${r.sessions} | ${r.seconds} | ${r.requests} | ${r.failed}${r.failed ? ` (${JSON.stringify(r.failures)})` : ''} | ${r.p50Ms} | ${r.p99Ms} |`,
  ),
  '',
  `- Edge RSS before the load ${before.rssMiB} MiB, 5 s after it ${after.rssMiB} MiB (${(100 * rssChange).toFixed(1)}%); worker tensors ${before.tensors.join('/')} before, ${after.tensors.join('/')} after; worker wasm memory ${before.wasmMiB.join('/')} MiB before, ${after.wasmMiB.join('/')} MiB after.`,
  `- Slow readers (${slowReaders.readers} sessions asking for the profile without reading; ${slowReaders.profileRequestsSent} requests sent): ${slowReaders.cutOff} cut off by the edge; RSS ${slowReaders.rssBeforeMiB} MiB before, ${slowReaders.rssPeakMiB} MiB at the peak (+${slowReaders.growthMiB} MiB), ${slowReaders.rssAfterMiB} MiB 5 s after.`,
  `- At the work bound (${workBound.sessions} sessions sending ${MAX_BATCH} examples at exit ${atBound.exit} partition ${atBound.partition}, ${atBound.dtype}, ${mib(atBound.payload.byteLength)} MiB a frame, back to back for 20 s): ${workBound.answered} answered, ${workBound.failed} failed; RSS ${workBound.rssBeforeMiB} MiB before, ${workBound.rssPeakMiB} MiB at the peak (+${workBound.growthMiB} MiB), ${workBound.rssAfterMiB} MiB 5 s after; a frame of ${MAX_BATCH + 1} ${workBound.overBoundRefusedWith ? 'was refused with EDGENT_ERR_BATCH_TOO_LARGE' : 'was NOT refused'}.`,
  `- SIGTERM with ${drain.sessions} sessions each keeping 4 requests in flight (${drain.inFlightAtSignal}): ${drain.answered} answered (${Object.entries(
    drain.outcomes,
  )
    .map(([k, v]) => `${k} ${v}`)
    .join(
      ', ',
    )}); the edge exited with code ${drain.exitCode} after ${drain.exitMs} ms (drain timeout ${drain.drainTimeoutMs} ms).`,
  '',
  '## Over time (5 s windows)',
  '',
  '| t s | phase | RSS MiB | requests | failed | p50 ms | p99 ms | in flight | queued | worker tensors | worker heap MiB | worker wasm MiB |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...samples.map(
    (s) =>
      `| ${s.t} | ${s.phase} | ${s.rssMiB} | ${s.requests} | ${s.failures} | ${s.p50Ms} | ${s.p99Ms} | ${s.inFlight} | ${s.queued} | ${s.tensors.join('/')} | ${s.heapMiB.join('/')} | ${s.wasmMiB.join('/')} |`,
  ),
  '',
].join('\n');
process.stdout.write(`${md}\nwrote ${await writeReport(flags.out as string, json, md)}\n`);
process.exit(0);
