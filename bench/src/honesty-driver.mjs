// The device side of bench:honesty, run inside a checkout (this one or an earlier commit's) so
// that its own device code plans and measures: one JSON line per request on stdout. Plain
// JavaScript: it registers the checkout's tsx, then imports the checkout's TypeScript.
//
//   node honesty-driver.mjs <tree> <edge url> <backend> <rates bit/s,...> <deadlines ms,...>
//        <images> <interval ms> <delay ms>
//
// A rate of 0 turns the edge's emulation off: the link as it is (e.g. a tc-shaped one).
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
// A tree with the DeviceSession drives it as `edgent device` does; an earlier tree, its CoInference.
const { co, client, session } = device;
const data = loadFashionMnist({ split: 'test', limit: images });
const pixels = Array.from({ length: images }, (_, i) =>
  Uint8Array.from(data.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)),
);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
if (!session) await co.warmUp();
for (const rateBps of rates) {
  // Rate 0: no emulation (the link as it is, e.g. shaped by tc).
  const link =
    rateBps > 0 ? { type: 'link', mode: 'fixed', rateBps, delayMs } : { type: 'link', mode: 'off' };
  if (session) await session.setLink(link);
  else {
    await client.setLink(link);
    co.resetLink();
    await co.measureLink(3);
  }
  for (const deadlineMs of deadlines) {
    let next = performance.now();
    for (let i = 0; i < images; i++) {
      // A request every intervalMs, as a camera would send them; probes as the checkout's page does.
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next += intervalMs;
      let r;
      if (session) {
        await session.probeIfDue(deadlineMs);
        r = await session.classify(pixels[i], deadlineMs);
      } else {
        if (typeof co.probeDue === 'function' && co.probeDue(deadlineMs)) await co.measureLink(1);
        r = await co.classify(pixels[i], deadlineMs);
      }
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
if (session) session.close();
else client.close();
process.exit(0);
