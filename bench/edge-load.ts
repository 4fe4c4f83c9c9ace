/**
 * Edge under load: 1, 4, 16 and 64 concurrent device clients on loopback,
 * each a WebSocket session sending the same request back to back (no link
 * emulation, the device's head precomputed so only the edge works). Reports
 * requests per second, p50 and p99 round trip, the compute bound (workers x
 * 1000 / median edge compute ms) and the overhead: round trip minus the
 * edge's decode and compute (device and emulated transfer are 0 here).
 * The edge runs as its own process (`edgent serve`), as in use.
 *
 *   pnpm bench:edge-load [--clients 1,4,16,64] [--seconds 5] [--workers 2]
 *                        [--exit 4] [--partition 0]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EdgeClient, type EdgeReply } from '@edgent/device';
import {
  describeMachine,
  inputTensor,
  loadFashionMnist,
  modelFromWeights,
  readModelDir,
  runSlice,
  useBackend,
} from '@edgent/model/node';
import { encodeTensor, wsChannel } from '@edgent/protocol';
import { WebSocket } from 'ws';
import { modelDir, startEdge } from './src/edge-process';
import { median, writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,4,16,64' },
    seconds: { type: 'string', default: '5' },
    workers: { type: 'string', default: '2' },
    exit: { type: 'string', default: '4' },
    partition: { type: 'string', default: '0' },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'edge-load') },
  },
});
const clientCounts = (flags.clients as string).split(',').map(Number);
const seconds = Number(flags.seconds);
const workers = Number(flags.workers);
const exit = Number(flags.exit);
const partition = Number(flags.partition);
if (clientCounts.some((n) => !Number.isInteger(n) || n < 1)) {
  throw new Error(`--clients must be whole numbers >= 1, got ${flags.clients}`);
}
if (!(seconds > 0) || !Number.isInteger(workers) || workers < 1) {
  throw new Error(`--seconds must be > 0 and --workers a whole number >= 1`);
}

/** The request every client sends: test image 0, cut at `partition` of `exit`. */
async function makeRequest() {
  await useBackend('wasm');
  const { manifest, weights } = await readModelDir(modelDir);
  const { images } = loadFashionMnist({ split: 'test', limit: 1 });
  if (partition === 0) {
    const payload = images;
    return {
      manifest,
      fields: { exit, partition, dtype: 'uint8' as const, shape: [1, 28, 28, 1], payload },
    };
  }
  const model = modelFromWeights(manifest.architecture, weights);
  const head = runSlice(model, exit, 0, partition, inputTensor(manifest.architecture, images));
  const values = (await head.data()) as Float32Array;
  return { manifest, fields: { exit, partition, ...encodeTensor(values, head.shape, 'float32') } };
}

async function connect(url: string, model: { id: string; hash: string }): Promise<EdgeClient> {
  const socket = new WebSocket(url);
  await new Promise<void>((ok, fail) => {
    socket.once('open', () => ok());
    socket.once('error', fail);
  });
  return EdgeClient.connect(wsChannel(socket as never), { model, now: () => performance.now() });
}

/** Every client sends back to back for `ms`; returns every reply. */
async function drive(
  clients: EdgeClient[],
  fields: Parameters<EdgeClient['request']>[0],
  ms: number,
): Promise<EdgeReply[]> {
  const replies: EdgeReply[] = [];
  const end = performance.now() + ms;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) replies.push(await c.request(fields));
    }),
  );
  return replies;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const { manifest, fields } = await makeRequest();
const edge = await startEdge(workers);
const { child } = edge;
const url = `${edge.url.replace('http://', 'ws://')}/ws`;
const model = { id: manifest.id, hash: manifest.hash };
const rows = [];
try {
  for (const n of clientCounts) {
    const clients = await Promise.all(Array.from({ length: n }, () => connect(url, model)));
    await drive(clients, fields, 1000); // warm-up
    const t0 = performance.now();
    const replies = await drive(clients, fields, seconds * 1000);
    const wall = (performance.now() - t0) / 1000;
    for (const c of clients) c.close();
    const rtt = replies.map((r) => r.elapsedMs);
    const compute = median(replies.map((r) => r.timing.computeMs));
    const rps = replies.length / wall;
    const bound =
      (workers * 1000) / median(replies.map((r) => r.timing.computeMs + r.timing.decodeMs));
    rows.push({
      clients: n,
      requests: replies.length,
      rps: Math.round(rps),
      p50Ms: r3(quantile(rtt, 0.5)),
      p99Ms: r3(quantile(rtt, 0.99)),
      computeMs: r3(compute),
      queueMs: r3(median(replies.map((r) => r.timing.queueMs))),
      computeBoundRps: Math.round(bound),
      shareOfBound: Math.round((1000 * rps) / bound) / 1000,
      overheadMs: r3(
        median(replies.map((r) => r.elapsedMs - r.timing.decodeMs - r.timing.computeMs)),
      ),
      overheadNoQueueMs: r3(
        median(
          replies.map(
            (r) => r.elapsedMs - r.timing.queueMs - r.timing.decodeMs - r.timing.computeMs,
          ),
        ),
      ),
    });
    process.stderr.write(`${n} clients: ${Math.round(rps)} req/s\n`);
  }
} finally {
  child.kill('SIGINT');
}

const machine = describeMachine();
const json = {
  machine,
  workers,
  seconds,
  exit,
  partition,
  request: { dtype: fields.dtype, shape: fields.shape },
  rows,
};
const md = [
  '# Edge under load',
  '',
  `\`pnpm bench:edge-load --clients ${clientCounts.join(',')} --seconds ${seconds} --workers ${workers} --exit ${exit} --partition ${partition}\``,
  '',
  `The edge (\`edgent serve --workers ${workers} --log-level warn\`, tfjs wasm workers) in its own process;`,
  `N device sessions over loopback WebSockets in this process, each sending exit ${exit} cut at partition`,
  `${partition} (${fields.dtype} [${fields.shape.join(', ')}]) back to back for ${seconds} s after 1 s of warm-up. No link emulation.`,
  'Compute bound = workers x 1000 / median (decode + compute) ms. Overhead = round trip minus the',
  "edge's decode and compute (device and emulated transfer are 0 here); without queue = minus queue time too.",
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}. The edge's main thread, its ${workers} workers`,
  'and the clients share these cores.',
  '',
  '| clients | req/s | p50 ms | p99 ms | edge compute ms | queue ms | compute bound req/s | share of bound | overhead ms (p50) | overhead without queue ms |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.clients} | ${r.rps} | ${r.p50Ms} | ${r.p99Ms} | ${r.computeMs} | ${r.queueMs} | ${r.computeBoundRps} | ${(100 * r.shareOfBound).toFixed(1)}% | ${r.overheadMs} | ${r.overheadNoQueueMs} |`,
  ),
  '',
].join('\n');
process.stdout.write(`${md}\nwrote ${await writeReport(flags.out as string, json, md)}\n`);
process.exit(0);
