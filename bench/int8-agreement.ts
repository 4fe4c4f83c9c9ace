/**
 * Class agreement of int8 and float16 payloads with float32, per exit and partition, on the
 * Fashion-MNIST test images with the shipped model (wasm in Node). For every exit path and
 * every interior partition p, the float32 head output at p is encoded one image at a time (one
 * request per image, so one int8 scale and zero point per image), decoded as the edge's
 * workers do (`decodeTensor`, then a float32 tensor), and the tail [p, end) runs on it; its
 * class is compared with the class of the whole path in float32. Also reports each exit's
 * test accuracy under int8 at its worst partition against float32.
 *
 * The images are split over `--workers` processes (each its own wasm backend), each running
 * batches. Partitions in the trunk are shared by the exits that branch at or after them: the
 * payload is the same tensor, so it is encoded once, and the tails run the common trunk
 * layers once before each exit's branch, the same layers in the same order as each exit's
 * own `runSlice(p, end)`. The batch check redoes the first `--check` images one at a time
 * exactly as device and edge do (per exit: head, encode, decode, tail at batch 1).
 *
 *   pnpm bench:int8 [--limit 10000] [--batch 500] [--check 50] [--workers 2] [--out DIR]
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  describeMachine,
  describeModel,
  disposeModel,
  type ExitPath,
  inputTensor,
  loadFashionMnist,
  type MultiExitModel,
  modelFromWeights,
  readModelDir,
  runSlice,
  tf,
  useBackend,
} from '@edgent/model/node';
import { decodeTensor, encodeTensor } from '@edgent/protocol';
import { SingleBar } from 'cli-progress';
import { median, writeReport } from './src/report';

const ENCODINGS = ['int8', 'float16'] as const;
type Encoding = (typeof ENCODINGS)[number];
type PerEncoding<T> = Record<Encoding, T>;

const MODEL_DIR = join(import.meta.dirname, '..', 'models', 'b-alexnet-fmnist');

const { values: flags } = parseArgs({
  options: {
    limit: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '500' },
    check: { type: 'string', default: '50' },
    workers: { type: 'string', default: String(Math.min(2, cpus().length)) },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'int8') },
    // Internal: set on the worker processes, "from,to" of their images.
    shard: { type: 'string' },
  },
});
const wholeAtLeast = (name: 'limit' | 'batch' | 'check' | 'workers', min: number): number => {
  const v = Number(flags[name]);
  if (!Number.isSafeInteger(v) || v < min)
    throw new Error(`--${name} must be a whole number >= ${min}, got ${flags[name]}`);
  return v;
};
const limit = wholeAtLeast('limit', 1);
const batchSize = wholeAtLeast('batch', 1);
const checkCount = wholeAtLeast('check', 0);
const workers = wholeAtLeast('workers', 1);

/** Counts over a range of images, indexed [exit][partition] (partition 0 unused). */
interface Counts {
  images: number;
  agree: PerEncoding<number>[][];
  correct: PerEncoding<number>[][];
  float32Correct: number[];
  checkSame: number;
  checkTotal: number;
  tensorsBefore: number;
  tensorsAfter: number;
  /** Largest number of tensors alive between batches beyond those alive before the run. */
  tensorsGrowth: number;
}

type FromShard =
  | { type: 'progress'; images: number }
  | { type: 'done'; counts: Counts }
  | { type: 'error'; message: string };

/** Classes of one batch: the whole path in float32, and each interior partition's tail. */
interface BatchClasses {
  reference: Int32Array[];
  tails: PerEncoding<Int32Array>[][];
}

/** One image's head output sent as `dtype` in its own request, as the edge reads it back. */
const roundTrip = (values: Float32Array, shape: readonly number[], dtype: Encoding) =>
  decodeTensor(encodeTensor(values, [1, ...shape], dtype));

/** Each image of the batch activation `act` sent on its own, reassembled into a tensor. */
function viaPayload(act: tf.Tensor, dtype: Encoding): tf.Tensor {
  const [n = 1, ...shape] = act.shape;
  const values = act.dataSync() as Float32Array;
  const size = values.length / n;
  const out = new Float32Array(values.length);
  for (let i = 0; i < n; i++) {
    out.set(roundTrip(values.subarray(i * size, (i + 1) * size), shape, dtype), i * size);
  }
  return tf.tensor(out, [n, ...shape], 'float32');
}

function classesOf(logits: tf.Tensor): Int32Array {
  const c = tf.argMax(logits, 1);
  const out = c.dataSync() as Int32Array;
  c.dispose();
  return out;
}

/**
 * Classes of a batch `x` on every exit: the float32 pass goes layer by layer once through the
 * trunk and each branch; at every interior partition the activation goes through each payload
 * encoding and the tails of all exits that take it run on the decoded tensor.
 */
function batchClasses(model: MultiExitModel, paths: readonly ExitPath[], x: tf.Tensor) {
  const { exits } = model.spec;
  const after = exits.map((e) => e.after);
  const ends = paths.map((p) => p.layers.length);
  const maxAfter = Math.max(...after);
  // An exit whose path holds the whole used trunk, to run trunk layers with.
  const deep = after.indexOf(maxAfter);
  const byAfter = exits.map((_, e) => e).sort((a, b) => (after[a] ?? 0) - (after[b] ?? 0));
  const out: BatchClasses = { reference: [], tails: paths.map(() => []) };

  // The tails from trunk depth d, for the exits where d is an interior partition.
  const trunkTails = (act: tf.Tensor, d: number) => {
    const takers = byAfter.filter((e) => (after[e] ?? 0) >= d && d < (ends[e] ?? 0));
    for (const dtype of ENCODINGS) {
      let y = viaPayload(act, dtype);
      let at = d;
      for (const e of takers) {
        const branchAt = after[e] as number;
        if (at < branchAt) {
          const next = runSlice(model, deep, at, branchAt, y);
          y.dispose();
          y = next;
          at = branchAt;
        }
        const logits = runSlice(model, e, branchAt, ends[e] as number, y);
        const tails = out.tails[e] as PerEncoding<Int32Array>[];
        tails[d] = { ...(tails[d] as PerEncoding<Int32Array>), [dtype]: classesOf(logits) };
        logits.dispose();
      }
      y.dispose();
    }
  };

  // Exit e's branch from the trunk activation at its branch point: float32 reference, and the
  // partitions inside the branch.
  const branch = (e: number, trunkAct: tf.Tensor) => {
    const end = ends[e] as number;
    let act = trunkAct;
    for (let p = after[e] as number; p < end; p++) {
      if (p > (after[e] as number)) {
        const tails = out.tails[e] as PerEncoding<Int32Array>[];
        const classes = {} as PerEncoding<Int32Array>;
        for (const dtype of ENCODINGS) {
          const decoded = viaPayload(act, dtype);
          const logits = runSlice(model, e, p, end, decoded);
          decoded.dispose();
          classes[dtype] = classesOf(logits);
          logits.dispose();
        }
        tails[p] = classes;
      }
      const next = runSlice(model, e, p, p + 1, act);
      if (act !== trunkAct) act.dispose();
      act = next;
    }
    out.reference[e] = classesOf(act);
    if (act !== trunkAct) act.dispose();
  };

  let act = x;
  for (let d = 0; d <= maxAfter; d++) {
    if (d > 0) trunkTails(act, d);
    for (const e of byAfter) if (after[e] === d) branch(e, act);
    if (d < maxAfter) {
      const next = runSlice(model, deep, d, d + 1, act);
      if (act !== x) act.dispose();
      act = next;
    }
  }
  if (act !== x) act.dispose();
  return out;
}

/** Runs images [from, to) of the test set; `onBatch` gets the number of images each batch did. */
async function measure(
  from: number,
  to: number,
  checkImages: number,
  onBatch: (images: number) => void,
): Promise<Counts> {
  await useBackend('wasm');
  const { manifest, weights } = await readModelDir(MODEL_DIR);
  const model = modelFromWeights(manifest.architecture, weights);
  const paths = describeModel(model.spec);
  const data = loadFashionMnist({ split: 'test', limit: to });
  const imageSize = data.height * data.width * data.channels;
  const images = (start: number, n: number) =>
    inputTensor(model.spec, data.images.subarray(start * imageSize, (start + n) * imageSize));
  const perPartition = () => paths.map((path) => path.layers.map(() => ({ int8: 0, float16: 0 })));
  const counts: Counts = {
    images: to - from,
    agree: perPartition(),
    correct: perPartition(),
    float32Correct: paths.map(() => 0),
    checkSame: 0,
    checkTotal: 0,
    tensorsBefore: tf.memory().numTensors,
    tensorsAfter: 0,
    tensorsGrowth: 0,
  };
  // Batched classes of the first `checkImages` images, for the batch check.
  const checkEnd = Math.min(to, from + checkImages);
  const kept: BatchClasses[] = [];

  for (let start = from; start < to; start += batchSize) {
    const n = Math.min(batchSize, to - start);
    const labels = data.labels.subarray(start, start + n);
    const x = images(start, n);
    const classes = batchClasses(model, paths, x);
    x.dispose();
    if (start < checkEnd) kept.push(classes);
    for (const path of paths) {
      const e = path.exit;
      const reference = classes.reference[e] as Int32Array;
      for (let i = 0; i < n; i++)
        if (reference[i] === labels[i]) (counts.float32Correct[e] as number)++;
      for (let p = 1; p < path.layers.length; p++) {
        const tails = classes.tails[e]?.[p] as PerEncoding<Int32Array>;
        const a = counts.agree[e]?.[p] as PerEncoding<number>;
        const c = counts.correct[e]?.[p] as PerEncoding<number>;
        for (const dtype of ENCODINGS) {
          const got = tails[dtype];
          for (let i = 0; i < n; i++) {
            if (got[i] === reference[i]) a[dtype]++;
            if (got[i] === labels[i]) c[dtype]++;
          }
        }
      }
    }
    counts.tensorsGrowth = Math.max(
      counts.tensorsGrowth,
      tf.memory().numTensors - counts.tensorsBefore,
    );
    onBatch(n);
  }

  // Batch check: one image at a time, each exit on its own, as device and edge run it.
  for (let i = from; i < checkEnd; i++) {
    const seen = kept[Math.floor((i - from) / batchSize)] as BatchClasses;
    const k = (i - from) % batchSize;
    const x = images(i, 1);
    for (const path of paths) {
      const e = path.exit;
      const end = path.layers.length;
      const whole = runSlice(model, e, 0, end, x);
      counts.checkTotal++;
      if (classesOf(whole)[0] === seen.reference[e]?.[k]) counts.checkSame++;
      whole.dispose();
      for (let p = 1; p < end; p++) {
        const head = runSlice(model, e, 0, p, x);
        for (const dtype of ENCODINGS) {
          const decoded = viaPayload(head, dtype);
          const logits = runSlice(model, e, p, end, decoded);
          decoded.dispose();
          counts.checkTotal++;
          if (classesOf(logits)[0] === seen.tails[e]?.[p]?.[dtype][k]) counts.checkSame++;
          logits.dispose();
        }
        head.dispose();
      }
    }
    x.dispose();
  }
  counts.tensorsAfter = tf.memory().numTensors;
  disposeModel(model);
  return counts;
}

/** Runs images [from, to) in a child process of this script, reporting progress. */
function runShard(
  from: number,
  to: number,
  checkImages: number,
  onBatch: (images: number) => void,
): Promise<Counts> {
  const args = ['--shard', `${from},${to}`, '--batch', String(batchSize)];
  const child = fork(fileURLToPath(import.meta.url), [...args, '--check', String(checkImages)]);
  return new Promise((resolve, reject) => {
    let result: Counts | undefined;
    child.on('message', (m: FromShard) => {
      if (m.type === 'progress') onBatch(m.images);
      else if (m.type === 'done') result = m.counts;
      else reject(new Error(`worker for images ${from}..${to - 1}: ${m.message}`));
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`worker for images ${from}..${to - 1} exited with code ${code}`));
    });
  });
}

if (flags.shard !== undefined) {
  const [from, to] = flags.shard.split(',').map(Number) as [number, number];
  const send = (m: FromShard) =>
    new Promise<void>((resolve) => process.send?.(m, undefined, {}, () => resolve()));
  try {
    const counts = await measure(from, to, checkCount, (images) => {
      void send({ type: 'progress', images });
    });
    await send({ type: 'done', counts });
  } catch (error) {
    await send({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exitCode = 1;
  }
  process.disconnect?.();
} else {
  await report();
}

async function report(): Promise<void> {
  const command = ['pnpm bench:int8', ...process.argv.slice(2)].join(' ');
  const { manifest } = await readModelDir(MODEL_DIR);
  const paths = describeModel(manifest.architecture);
  const count = loadFashionMnist({ split: 'test', limit }).count;
  const shards = Math.min(workers, count);

  const bar = new SingleBar({
    format: 'int8 agreement |{bar}| {value}/{total} images, {duration_formatted}',
    barsize: 24,
    noTTYOutput: true,
    notTTYSchedule: 30_000,
    stream: process.stderr,
  });
  let done = 0;
  bar.start(count, 0);
  const t0 = performance.now();
  const onBatch = (images: number) => {
    done += images;
    bar.update(done);
  };
  const bounds = Array.from({ length: shards + 1 }, (_, k) => Math.round((count * k) / shards));
  const checkPer = Math.ceil(Math.min(checkCount, count) / shards);
  let parts: Counts[];
  try {
    parts =
      shards === 1
        ? [await measure(0, count, checkPer, onBatch)]
        : await Promise.all(
            bounds
              .slice(0, -1)
              .map((from, k) => runShard(from, bounds[k + 1] as number, checkPer, onBatch)),
          );
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const part of parts) {
    if (part.tensorsAfter !== part.tensorsBefore || part.tensorsGrowth !== 0) {
      throw new Error(
        `tensor leak: ${part.tensorsBefore} tensors before a worker's run, ${part.tensorsAfter} after, up to ${part.tensorsGrowth} more between batches`,
      );
    }
  }
  const sum = (f: (c: Counts) => number) => parts.reduce((s, c) => s + f(c), 0);
  const checkSame = sum((c) => c.checkSame);
  const checkTotal = sum((c) => c.checkTotal);
  const checkImages = parts.reduce((s, c) => s + Math.min(c.images, checkPer), 0);

  interface Row {
    exit: number;
    partition: number;
    layer: string;
    encoding: Encoding;
    agree: number;
    count: number;
    agreement: number;
    correct: number;
    accuracy: number;
  }
  const rows: Row[] = paths.flatMap((path) =>
    path.layers.slice(1).flatMap((layer, k) =>
      ENCODINGS.map((encoding) => {
        const p = k + 1;
        const agree = sum((c) => c.agree[path.exit]?.[p]?.[encoding] as number);
        const correct = sum((c) => c.correct[path.exit]?.[p]?.[encoding] as number);
        return {
          exit: path.exit,
          partition: p,
          layer: layer.name,
          encoding,
          agree,
          count,
          agreement: agree / count,
          correct,
          accuracy: correct / count,
        };
      }),
    ),
  );
  const find = (e: number, p: number, encoding: Encoding) =>
    rows.find((r) => r.exit === e && r.partition === p && r.encoding === encoding) as Row;
  const lowest = (of: Row[], key: 'agreement' | 'accuracy') =>
    of.reduce((m, r) => (r[key] < m[key] ? r : m), of[0] as Row);
  const summarise = (of: Row[]) => ({
    min: lowest(of, 'agreement').agreement,
    minPartition: lowest(of, 'agreement').partition,
    median: median(of.map((r) => r.agreement)),
    max: Math.max(...of.map((r) => r.agreement)),
  });
  const exits = paths.map((path) => {
    const mine = rows.filter((r) => r.exit === path.exit);
    const int8 = mine.filter((r) => r.encoding === 'int8');
    const worst = lowest(int8, 'accuracy');
    return {
      exit: path.exit,
      name: path.name,
      partitions: path.layers.length - 1,
      int8: summarise(int8),
      float16: summarise(mine.filter((r) => r.encoding === 'float16')),
      float32Correct: sum((c) => c.float32Correct[path.exit] as number),
      float32Accuracy: sum((c) => c.float32Correct[path.exit] as number) / count,
      int8WorstAccuracy: worst.accuracy,
      int8WorstAccuracyPartition: worst.partition,
    };
  });

  const machine = describeMachine();
  const date = new Date().toISOString();
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const layerAt = (e: number, p: number) => {
    const l = paths[e]?.layers[p];
    return l ? `${l.name} [${l.inputShape.join(', ')}]` : '';
  };
  const md = [
    '# Class agreement of int8 and float16 payloads',
    '',
    `The shipped model \`${manifest.id}\` on the first ${count} Fashion-MNIST test images. For every exit and every interior partition p (1..n-1), the float32 head output at p is encoded per image (one request per image, so int8 has one scale and zero point per image) with \`encodeTensor\`, decoded with \`decodeTensor\` into a float32 tensor as the edge's workers do, and the tail [p, n) runs on it. **Agreement** is the share of images whose class equals the class of the whole path run in float32. float32 payloads are exact, so float32 agreement is 100% by construction; it is not measured here. A trunk partition's payload is the same tensor for every exit that branches at or after it, so it is encoded once and those exits' tails share their common trunk layers; the batch check below runs each exit on its own.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. Backend: tfjs ${tf.version_core} wasm, ${shards} worker process${shards === 1 ? '' : 'es'}, batches of ${batchSize}. Date: ${date}. Wall time: ${seconds.toFixed(0)} s.`,
    '',
    '## Per exit, over its partitions',
    '',
    '| exit | partitions | float32 | int8 min (at p) | int8 median | int8 max | float16 min (at p) | float16 median | float16 max |',
    '|---|---|---|---|---|---|---|---|---|',
    ...exits.map(
      (s) =>
        `| ${s.exit} (${s.name}) | 1..${s.partitions} | 100% (exact) | ${pct(s.int8.min)} (p ${s.int8.minPartition}) | ${pct(s.int8.median)} | ${pct(s.int8.max)} | ${pct(s.float16.min)} (p ${s.float16.minPartition}) | ${pct(s.float16.median)} | ${pct(s.float16.max)} |`,
    ),
    '',
    'The partition shown is the first with the minimum.',
    '',
    '## Test accuracy: float32 against int8 at its worst partition',
    '',
    '| exit | float32 accuracy | int8 accuracy at its worst partition (p) | difference |',
    '|---|---|---|---|',
    ...exits.map(
      (s) =>
        `| ${s.exit} (${s.name}) | ${pct(s.float32Accuracy)} | ${pct(s.int8WorstAccuracy)} (p ${s.int8WorstAccuracyPartition}) | ${(100 * (s.int8WorstAccuracy - s.float32Accuracy)).toFixed(2)} points |`,
    ),
    '',
    `Batch check: the runs above are batched (${batchSize} images per tensor). The first ${shards === 1 ? `${checkImages} images` : `${checkPer} images of each of the ${shards} workers (${checkImages} in all)`} were redone one at a time, per exit, as device and edge run them (whole path; head, encode, decode, tail for every partition and encoding): ${checkSame} of ${checkTotal} classes are the same as in the batched run.`,
    '',
    '## Per partition',
    '',
    'p is the first layer run on the edge; the payload is its input, of the shape shown (one image).',
    '',
    '| exit | p | edge starts at | int8 agree | int8 agreement | float16 agree | float16 agreement | int8 accuracy | float16 accuracy |',
    '|---|---|---|---|---|---|---|---|---|',
    ...paths.flatMap((path) =>
      path.layers.slice(1).map((_, k) => {
        const p = k + 1;
        const i8 = find(path.exit, p, 'int8');
        const f16 = find(path.exit, p, 'float16');
        return `| ${path.exit} | ${p} | ${layerAt(path.exit, p)} | ${i8.agree}/${count} | ${pct(i8.agreement)} | ${f16.agree}/${count} | ${pct(f16.agreement)} | ${pct(i8.accuracy)} | ${pct(f16.accuracy)} |`;
      }),
    ),
    '',
    `Produced by \`${command}\`.`,
    '',
  ].join('\n');

  const path = await writeReport(
    flags.out as string,
    {
      command,
      date,
      machine,
      backend: 'wasm',
      tfjs: tf.version_core,
      model: { id: manifest.id, hash: manifest.hash },
      images: count,
      batch: batchSize,
      workers: shards,
      seconds,
      batchCheck: { images: checkImages, perWorker: checkPer, same: checkSame, total: checkTotal },
      exits,
      rows,
    },
    md,
  );
  process.stdout.write(
    `${exits
      .map(
        (s) =>
          `exit ${s.exit}: int8 min ${pct(s.int8.min)} (p ${s.int8.minPartition}), float16 min ${pct(s.float16.min)} (p ${s.float16.minPartition})`,
      )
      .join('\n')}\n${seconds.toFixed(0)} s; report: ${path}\n`,
  );
}
