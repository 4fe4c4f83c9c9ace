/**
 * Fuzzing the edge as an attacker on loopback would: a real `edgent serve`
 * in its own process, many WebSocket connections, and a seeded stream of
 * random bytes, mutated and field-randomised frames, random JSON and mutated
 * control messages (link settings with extreme values, trace names that are
 * paths or missing, hellos for other models; an accepted link is set back to
 * off at once), frames over the work and size
 * bounds. Each connection sends one message at a time and waits for its
 * answer (20 s at most): every message must be answered (a result, a probe
 * reply, a control answer, an error, or an error and a close for a broken
 * policy), the edge must not crash, /api/health must keep answering, and the
 * scores of a known image must be the same bits before and after.
 *
 *   pnpm bench:fuzz [--messages 100000] [--connections 32] [--seed 1] [--workers 2]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  describeMachine,
  describeModel,
  type ExitPath,
  loadFashionMnist,
  readModelDir,
} from '@edgent/model/node';
import {
  type DType,
  decodeFrame,
  encodeControl,
  encodeFrame,
  modelPrefixOf,
  parseControl,
  readErrorFrame,
} from '@edgent/protocol';
import { modelDir, rssBytes, scrapeMetrics, startEdge } from './src/edge-process';
import { type Answer, Exchange } from './src/exchange';
import { writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '32' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '2' },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'fuzz') },
  },
});
const total = Number(flags.messages);
const connections = Number(flags.connections);
const seed = Number(flags.seed);
const workers = Number(flags.workers);
if (![total, connections, workers].every((n) => Number.isInteger(n) && n >= 1)) {
  throw new Error('--messages, --connections and --workers must be whole numbers >= 1');
}

/** mulberry32: a small seeded generator, so a run can be repeated exactly. */
function rng(s: number) {
  let a = s >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    bytes(n: number) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}
type Rng = ReturnType<typeof rng>;

const { manifest } = await readModelDir(modelDir);
const model = { id: manifest.id, hash: manifest.hash };
const prefix = modelPrefixOf(model.hash);
const paths: ExitPath[] = describeModel(manifest.architecture);
const hello = encodeControl({ type: 'hello', modelId: model.id, modelHash: model.hash });
const traceNames = [
  'norway_bus_1',
  'norway_car_1',
  'no_such_trace',
  '../../etc/passwd',
  'x'.repeat(65),
  '',
];

/** The shape one example has entering layer `p` of `path`. */
function shapeAt(path: ExitPath, p: number): number[] {
  const layers = path.layers;
  const layer = p < layers.length ? layers[p] : layers[layers.length - 1];
  return [...((p < layers.length ? layer?.inputShape : layer?.outputShape) ?? [])];
}

/** A request frame the edge would accept: batch 1..4 at a random cut of a random exit. */
function validRequest(r: Rng, requestId: number): Uint8Array {
  const path = r.pick(paths);
  const partition = r.int(0, path.layers.length);
  const batch = r.int(1, 4);
  const dims = [batch, ...shapeAt(path, partition)];
  const n = dims.reduce((a, b) => a * b, 1);
  const dtype: DType =
    partition === 0
      ? r.pick(['uint8', 'float32'] as const)
      : r.pick(['float32', 'float16', 'int8'] as const);
  const size = { uint8: 1, int8: 1, float16: 2, float32: 4 }[dtype];
  let payload = r.bytes(n * size);
  if (dtype === 'float32')
    payload = new Uint8Array(Float32Array.from({ length: n }, () => r.next()).buffer);
  if (dtype === 'float16') payload = new Uint8Array(new Uint16Array(n).fill(0x3800).buffer);
  return encodeFrame({
    type: 'request',
    flags: 0,
    requestId,
    modelPrefix: prefix,
    exit: path.exit,
    partition,
    dtype,
    shape: dims,
    payload,
    ...(dtype === 'int8' ? { scale: 0.01, zeroPoint: 0 } : {}),
  });
}

/** Extreme and ordinary JSON values to put where a field's value goes. */
const oddValues: unknown[] = [
  -1,
  0,
  1e-300,
  1e-3,
  0.5,
  1,
  7,
  999,
  1e6,
  1e10 + 1,
  1e308,
  -1e308,
  null,
  true,
  '',
  'x',
  '../../../etc/passwd',
  'norway_bus_1',
  [],
  {},
  [1, 2, 3],
  { a: { b: { c: 1 } } },
  'EDGENT_ERR_X',
  'A'.repeat(5000),
];

/** A control message as a device might send one, then maybe broken. */
function control(r: Rng): string {
  const base: Record<string, unknown>[] = [
    { type: 'hello', modelId: model.id, modelHash: model.hash },
    { type: 'hello', modelId: 'other', modelHash: `sha256:${'0'.repeat(64)}` },
    { type: 'profileRequest' },
    { type: 'link', mode: 'off' },
    {
      type: 'link',
      mode: 'fixed',
      rateBps: r.pick([1, 999, 1e6, 5e7, 1e11]),
      delayMs: r.pick([0, 2, 60_001, -1]),
    },
    {
      type: 'link',
      mode: 'trace',
      trace: r.pick(traceNames),
      scale: r.pick([1e-300, 1e-4, 1, 10, 1e4]),
    },
    {
      type: 'helloOk',
      modelId: model.id,
      modelHash: model.hash,
      protocolVersion: 1,
      maxPayloadBytes: 1,
    },
    { type: 'error', code: 'EDGENT_ERR_SOMETHING', message: 'x' },
    { type: r.pick(['nope', 'HELLO', '__proto__', 'constructor']) },
  ];
  const msg = { ...r.pick(base) };
  const mutations = r.int(0, 2);
  for (let i = 0; i < mutations; i++) {
    const keys = Object.keys(msg);
    const op = r.int(0, 2);
    if (op === 0 && keys.length > 0) delete msg[r.pick(keys)];
    else if (op === 1 && keys.length > 0) msg[r.pick(keys)] = r.pick(oddValues);
    else
      msg[r.pick(['extra', 'rateBps', 'scale', 'delayMs', 'trace', 'mode', '__proto__'])] =
        r.pick(oddValues);
  }
  return JSON.stringify(msg);
}

/**
 * Whether an accepted link setting emulates a link at all: then the fuzzer sets it back to off
 * at once, so that later answers are not held by the emulated link (a 4 MiB frame takes half a
 * minute over a replayed HSDPA trace; the link emulator's timing is tested on its own).
 */
function emulatesLink(text: string): boolean {
  const parsed = parseControl(text);
  return parsed.ok && parsed.value.type === 'link' && parsed.value.mode !== 'off';
}

type Message = { kind: string; data: Uint8Array | string };

/** One message of the stream. */
function message(r: Rng, requestId: number): Message {
  const roll = r.next();
  if (roll < 0.15)
    return { kind: 'random bytes', data: r.bytes(r.pick([0, 1, 10, 71, 72, 73, 200, 3000])) };
  if (roll < 0.35) {
    const frame = validRequest(r, requestId);
    const flips = r.int(1, 8);
    for (let i = 0; i < flips; i++) {
      // Mostly the 72-byte header, where the fields are.
      const at =
        r.next() < 0.8 ? r.int(0, Math.min(71, frame.length - 1)) : r.int(0, frame.length - 1);
      frame[at] = r.int(0, 255);
    }
    const cut = r.next();
    if (cut < 0.1)
      return { kind: 'mutated frame', data: frame.subarray(0, r.int(0, frame.length)) };
    if (cut < 0.2)
      return { kind: 'mutated frame', data: new Uint8Array([...frame, ...r.bytes(r.int(1, 16))]) };
    return { kind: 'mutated frame', data: frame };
  }
  if (roll < 0.5) {
    // Fields that decode but may not fit the model: any exit, cut, dtype and a small shape.
    const dtype = r.pick(['float32', 'float16', 'int8', 'uint8'] as const);
    const rank = r.int(1, 6);
    const shape = Array.from({ length: rank }, () => r.int(1, 6));
    if (r.next() < 0.05) shape[0] = r.int(60, 70); // around the --max-batch bound (64)
    const n = shape.reduce((a, b) => a * b, 1);
    const size = { uint8: 1, int8: 1, float16: 2, float32: 4 }[dtype];
    const type = r.pick([
      'request',
      'request',
      'request',
      'probe',
      'result',
      'error',
      'probeReply',
    ] as const);
    return {
      kind: 'field frame',
      data: encodeFrame({
        type,
        flags: r.int(0, 255),
        requestId,
        modelPrefix: r.next() < 0.9 ? prefix : '0123456789abcdef',
        exit: r.pick([0, 1, 2, 3, 4, 5, 255]),
        partition: r.int(0, 30),
        dtype,
        shape,
        payload: r.bytes(n * size),
        ...(dtype === 'int8'
          ? { scale: r.pick([0.01, 1e-30, 1e30]), zeroPoint: r.int(-128, 127) }
          : {}),
        ...(type === 'result' || type === 'probeReply'
          ? { timing: { queueMs: 0, decodeMs: 0, computeMs: 0 } }
          : {}),
      }),
    };
  }
  if (roll < 0.6) return { kind: 'valid request', data: validRequest(r, requestId) };
  if (roll < 0.65) {
    const n = r.int(0, 2000);
    return {
      kind: 'probe',
      data: encodeFrame({
        type: 'probe',
        flags: 0,
        requestId,
        modelPrefix: prefix,
        exit: 0,
        partition: 0,
        dtype: 'uint8',
        shape: [n],
        payload: new Uint8Array(n),
      }),
    };
  }
  if (roll < 0.75) {
    const text = r.pick([
      '',
      '{',
      'null',
      '[]',
      '"hello"',
      '{"type":"hello"}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      String.fromCharCode(...Array.from({ length: r.int(1, 200) }, () => r.int(0, 0xd7ff))),
      JSON.stringify({ type: 'link', mode: 'fixed', rateBps: 'A'.repeat(70_000) }),
    ]);
    return { kind: 'random text', data: text };
  }
  if (roll < 0.999) return { kind: 'control', data: control(r) };
  // Rarely: a frame over the payload limit (4 MiB), or a message over twice it (closed 1009).
  const big = r.next() < 0.5 ? 4 * 2 ** 20 + 4 : 8 * 2 ** 20 + 200;
  return {
    kind: 'oversized frame',
    data: encodeFrame({
      type: 'request',
      flags: 0,
      requestId,
      modelPrefix: prefix,
      exit: 4,
      partition: 0,
      dtype: 'uint8',
      shape: [big],
      payload: new Uint8Array(big),
    }),
  };
}

/** How the edge answered, as a label: the answer type, the error code, or the close. */
function label(answer: Answer): string {
  if (answer.kind === 'timeout') return 'UNANSWERED';
  if (answer.kind === 'closed') return `closed ${answer.code} ${answer.reason}`.trim();
  if (answer.kind === 'text') {
    const parsed = parseControl(answer.text, { maxChars: Number.MAX_SAFE_INTEGER });
    if (!parsed.ok) return `unparsable text (${parsed.error.code})`;
    const v = parsed.value as { type: string; code?: string };
    return v.type === 'error' || v.type === 'helloRefused' ? `${v.type} ${v.code}` : v.type;
  }
  const decoded = decodeFrame(answer.bytes, { maxPayloadBytes: Number.MAX_SAFE_INTEGER });
  if (!decoded.ok) return `undecodable frame (${decoded.error.code})`;
  const f = decoded.value;
  if (f.type !== 'error') return `${f.type} frame`;
  const body = readErrorFrame(f);
  return body.ok ? `error frame ${body.value.code}` : 'error frame (unreadable)';
}

/** Test image 0's scores at exit 4, edge-only and cut at each of 3 points (float32). */
async function knownScores(url: string): Promise<number[][]> {
  const ex = await Exchange.open(url);
  await ex.send(hello);
  const { images } = loadFashionMnist({ split: 'test', limit: 1 });
  const path = paths[4] as ExitPath;
  const out: number[][] = [];
  for (const partition of [0, 3, 9]) {
    const payload =
      partition === 0
        ? images
        : new Uint8Array(
            Float32Array.from(
              { length: shapeAt(path, partition).reduce((a, b) => a * b, 1) },
              (_, i) => ((i * 7919) % 1000) / 1000,
            ).buffer,
          );
    const a = await ex.send(
      encodeFrame({
        type: 'request',
        flags: 0,
        requestId: partition + 1,
        modelPrefix: prefix,
        exit: 4,
        partition,
        dtype: partition === 0 ? 'uint8' : 'float32',
        shape: [1, ...shapeAt(path, partition)],
        payload,
      }),
    );
    if (a.kind !== 'binary') throw new Error(`known image: ${label(a)}`);
    const f = decodeFrame(a.bytes);
    if (!f.ok || f.value.type !== 'result') throw new Error(`known image: ${label(a)}`);
    out.push([...new Float32Array(f.value.payload.slice().buffer)]);
  }
  ex.close();
  return out;
}

const { child, url } = await startEdge(workers, { args: ['--no-https'], logLevel: 'error' });
let crashed: number | null | undefined;
child.once('exit', (code) => {
  crashed = code;
});
const before = await knownScores(url);
await new Promise((r) => setTimeout(r, 500));
const rssBefore = rssBytes(child.pid);
const metricsBefore = (await scrapeMetrics(url)).value;
const tensorsBefore = metricsBefore('edgent_worker_tensors');

// /api/health keeps answering throughout: its slowest answer is reported.
let healthMaxMs = 0;
let healthFailures = 0;
let fuzzing = true;
const watch = (async () => {
  while (fuzzing) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) healthFailures++;
      await res.arrayBuffer();
    } catch {
      healthFailures++;
    }
    healthMaxMs = Math.max(healthMaxMs, performance.now() - t0);
    await new Promise((r) => setTimeout(r, 250));
  }
})();

const outcomes = new Map<string, number>();
const byKind = new Map<string, Map<string, number>>();
let sent = 0;
let reconnects = 0;
let rssPeak = rssBefore;
const t0 = performance.now();
let lastReport = t0;

async function fuzzer(index: number): Promise<void> {
  const r = rng(seed * 1000 + index);
  let ex = await Exchange.open(url);
  let saidHello = false;
  while (sent < total && crashed === undefined) {
    const id = sent + 1;
    sent++;
    const m = !saidHello && r.next() < 0.9 ? { kind: 'hello', data: hello } : message(r, id);
    if (m.data === hello) saidHello = true;
    const answer = await ex.send(m.data);
    const l = label(answer);
    outcomes.set(l, (outcomes.get(l) ?? 0) + 1);
    const k = byKind.get(m.kind) ?? new Map<string, number>();
    k.set(l, (k.get(l) ?? 0) + 1);
    byKind.set(m.kind, k);
    // An accepted link is set back to off, so later answers stay prompt.
    if (l === 'link' && typeof m.data === 'string' && emulatesLink(m.data)) {
      await ex.send(encodeControl({ type: 'link', mode: 'off' }), 120_000);
    }
    // A broken policy ends the session: the error frame came, then the close follows.
    if (
      answer.kind === 'closed' ||
      answer.kind === 'timeout' ||
      !ex.open ||
      l.startsWith('error frame EDGENT_ERR_BATCH_TOO_LARGE')
    ) {
      ex.close();
      ex = await Exchange.open(url);
      saidHello = false;
      reconnects++;
    }
    if (index === 0 && performance.now() - lastReport > 5_000) {
      lastReport = performance.now();
      rssPeak = Math.max(rssPeak, rssBytes(child.pid));
      process.stderr.write(
        `${sent}/${total} messages, ${Math.round(sent / ((lastReport - t0) / 1000))}/s\n`,
      );
    }
  }
  ex.close();
}

await Promise.all(Array.from({ length: connections }, (_, i) => fuzzer(i)));
const seconds = (performance.now() - t0) / 1000;
fuzzing = false;
await watch;
rssPeak = Math.max(rssPeak, rssBytes(child.pid));
await new Promise((r) => setTimeout(r, 2_000));
const after = crashed === undefined ? await knownScores(url) : [];
const rssAfter = rssBytes(child.pid);
const metricsAfter = crashed === undefined ? (await scrapeMetrics(url)).value : () => Number.NaN;
const tensorsAfter = metricsAfter('edgent_worker_tensors');
child.kill('SIGTERM');

const unanswered = outcomes.get('UNANSWERED') ?? 0;
const identical =
  after.length === before.length &&
  before.every(
    (s, i) => s.length === after[i]?.length && s.every((v, j) => Object.is(v, after[i]?.[j])),
  );
const machine = describeMachine();
const rows = [...outcomes.entries()].sort((a, b) => b[1] - a[1]);
const json = {
  machine,
  workers,
  connections,
  seed,
  messages: sent,
  seconds,
  crashes: crashed === undefined ? 0 : 1,
  unanswered,
  reconnects,
  outcomes: Object.fromEntries(rows),
  byKind: Object.fromEntries([...byKind].map(([k, v]) => [k, Object.fromEntries(v)])),
  healthMaxMs,
  healthFailures,
  rss: { before: rssBefore, peak: rssPeak, after: rssAfter },
  workerTensors: { before: tensorsBefore, after: tensorsAfter },
  knownImageScoresIdentical: identical,
};
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const md = [
  '# Fuzzing the edge',
  '',
  `\`pnpm bench:fuzz --messages ${total} --connections ${connections} --seed ${seed} --workers ${workers}\``,
  '',
  `\`edgent serve --workers ${workers}\` in its own process; ${connections} WebSocket connections in this process,`,
  'each sending one message and waiting up to 20 s for its answer before the next (seeded, repeatable).',
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}.`,
  '',
  `- ${sent} messages in ${seconds.toFixed(0)} s (${Math.round(sent / seconds)}/s); ${crashed === undefined ? '**0 crashes**' : `**the edge exited with code ${crashed}**`}; **${unanswered} unanswered**; ${reconnects} sessions ended by the edge's policy and opened again.`,
  `- /api/health during the run: slowest answer ${healthMaxMs.toFixed(0)} ms, ${healthFailures} failures.`,
  `- Known image (test image 0, exit 4, edge-only and cut at 3 and 9): scores ${identical ? '**bit-identical**' : '**different**'} before and after.`,
  `- Edge RSS: ${mb(rssBefore)} before, ${mb(rssPeak)} at the peak seen, ${mb(rssAfter)} after; worker tensors ${tensorsBefore} before, ${tensorsAfter} after.`,
  '',
  '| answer | messages |',
  '|---|---|',
  ...rows.map(([k, v]) => `| ${k} | ${v} |`),
  '',
  '## By kind of message sent',
  '',
  ...[...byKind].flatMap(([kind, v]) => [
    `- ${kind} (${[...v.values()].reduce((a, b) => a + b, 0)}): ${[...v]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  ]),
  '',
].join('\n');
process.stdout.write(`${md}\nwrote ${await writeReport(flags.out as string, json, md)}\n`);
process.exit(crashed === undefined && unanswered === 0 && identical ? 0 : 1);
