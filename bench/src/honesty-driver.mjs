// The device side of bench:honesty, run inside a checkout (this one or an earlier commit's) so
// that its own device code plans and measures: one JSON line per request on stdout. Plain
// JavaScript: it registers the checkout's tsx, then imports the checkout's TypeScript.
//
//   node honesty-driver.mjs <tree> <edge url> <backend> <rates bit/s,...> <deadlines ms,...>
//        <images> <interval ms> <delay ms>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [tree, edge, backend, ratesArg, deadlinesArg, imagesArg, intervalArg, delayArg] =
  process.argv.slice(2);
const rates = ratesArg.split(',').map(Number);
const deadlines = deadlinesArg.split(',').map(Number);
const images = Number(imagesArg);
const intervalMs = Number(intervalArg);
const delayMs = Number(delayArg);

const tsx = await import(pathToFileURL(join(tree, 'node_modules/tsx/dist/esm/api/index.mjs')).href);
tsx.register();
const { openDevice } = await import(pathToFileURL(join(tree, 'apps/cli/src/device-setup.ts')).href);
const { loadFashionMnist } = await import(
  pathToFileURL(join(tree, 'packages/model/src/node.ts')).href
);

const device = await openDevice({
  edge,
  backend,
  modelDir: join(tree, 'models', 'b-alexnet-fmnist'),
  deviceSlowdown: 1,
  encoding: 'float32',
});
const { co, client } = device;
const data = loadFashionMnist({ split: 'test', limit: images });
const pixels = Array.from({ length: images }, (_, i) =>
  Uint8Array.from(data.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)),
);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
await co.warmUp();
for (const rateBps of rates) {
  await client.setLink({ type: 'link', mode: 'fixed', rateBps, delayMs });
  co.resetLink();
  await co.measureLink(3);
  for (const deadlineMs of deadlines) {
    let next = performance.now();
    for (let i = 0; i < images; i++) {
      // A request every intervalMs, as a camera would send them; probes as the checkout's page does.
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next += intervalMs;
      if (typeof co.probeDue === 'function' && co.probeDue(deadlineMs)) await co.measureLink(1);
      const r = await co.classify(pixels[i], deadlineMs);
      process.stdout.write(
        `${JSON.stringify({
          rateBps,
          deadlineMs,
          online: r.online,
          exit: r.plan.exit,
          partition: r.plan.partition,
          feasible: r.plan.feasible,
          predictedMs: r.plan.predicted.total,
          measuredMs: r.measured.total,
          predicted: r.plan.predicted,
          measured: r.measured,
        })}\n`,
      );
    }
  }
}
await client.setLink({ type: 'link', mode: 'off' });
client.close();
process.exit(0);
