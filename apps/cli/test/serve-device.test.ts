import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFashionMnist } from '@edgent/model/node';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeProcess, startEdge } from './edge-process';
import { runCli } from './run-cli';

/** The image as a lossy WebP file (quality 90), by libwebp's encoder as Squoosh builds it. */
async function encodeWebp(png: PNG): Promise<Uint8Array> {
  const require = createRequire(import.meta.url);
  const bytes = readFileSync(require.resolve('@jsquash/webp/codec/enc/webp_enc.wasm'));
  const { default: encode, init } = await import('@jsquash/webp/encode.js');
  // Node's WebAssembly, which this project's TypeScript libs do not declare.
  const wasm = (
    globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<unknown> } }
  ).WebAssembly;
  await init((await wasm.compile(bytes)) as never);
  const data = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  const image = { data, width: png.width, height: png.height, colorSpace: 'srgb' };
  return new Uint8Array(await encode(image as never, { quality: 90 }));
}

let edge: EdgeProcess;
let url = '';

beforeAll(async () => {
  edge = await startEdge();
  url = edge.url;
}, 60_000);

afterAll(async () => {
  await edge.stop();
});

describe('edgent serve and edgent device', () => {
  it('classifies Fashion-MNIST test images through the edge, one JSON line per request', async () => {
    const r = await runCli([
      'device',
      '--edge',
      url,
      '--fashion-mnist-test',
      '4',
      '--deadline',
      '20ms',
      '--link',
      '2Mbit,5ms',
      '--backend',
      'wasm',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(l.online).toBe(true);
      expect(l.class).toBe(l.label);
      const m = l.measured;
      expect(m.device + m.upload + m.edge + m.download).toBeCloseTo(m.total, 9);
    }
  });

  it.each(['png', 'webp'] as const)(
    'reads a %s photo of any size, dark on light paper, as the model sees Fashion-MNIST',
    async (format) => {
      // Test image 0 (an ankle boot), 4x larger and inverted, as RGBA.
      const { images, labels } = loadFashionMnist({ split: 'test', limit: 1 });
      const png = new PNG({ width: 112, height: 112 });
      for (let y = 0; y < 112; y++) {
        for (let x = 0; x < 112; x++) {
          const v = 255 - (images[Math.floor(y / 4) * 28 + Math.floor(x / 4)] ?? 0);
          png.data.set([v, v, v, 255], 4 * (y * 112 + x));
        }
      }
      const file = join(tmpdir(), `edgent-boot-${process.pid}.${format}`);
      await writeFile(file, format === 'png' ? PNG.sync.write(png) : await encodeWebp(png));
      const r = await runCli([
        'device',
        '--edge',
        url,
        '--image',
        file,
        '--deadline',
        '300ms',
        '--json',
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).class).toBe(labels[0]);
    },
  );

  it('prints a readable report per request and a summary', async () => {
    const r = await runCli([
      'device',
      '--edge',
      url,
      '--fashion-mnist-test',
      '2',
      '--deadline',
      '300ms',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Measured link: /);
    expect(r.stdout).toMatch(/#1 test\[1\]: Pullover/);
    expect(r.stdout).toMatch(/predicted .* ms = device .* \+ up .* \+ edge .* \+ down/);
    expect(r.stdout).toMatch(/correct +│ 2 of 2/);
  });

  it.each([
    [['device', '--edge', 'http://127.0.0.1:1', '--deadline', '1s'], /exactly one of --image/],
    [['device', '--edge', 'nope', '--fashion-mnist-test', '1', '--deadline', '1s'], /not a URL/],
    [
      [
        'device',
        '--edge',
        'http://x',
        '--fashion-mnist-test',
        '1',
        '--deadline',
        '1s',
        '--link',
        '5',
      ],
      /accepted forms: off, 500kbit/,
    ],
    [
      [
        'device',
        '--edge',
        'http://127.0.0.1:1',
        '--image',
        join('no', 'such.png'),
        '--deadline',
        '1s',
      ],
      /cannot read --image/,
    ],
    [['serve', '--port', '70000'], /expected a whole number from 0 to 65535/],
    [['serve', '--max-in-flight', '0'], /expected a whole number from 1 to 10000/],
    [['serve', '--request-timeout', '10'], /accepted forms: 300ms/],
    [
      ['serve', '--request-timeout', '0.1ms'],
      /option requestTimeoutMs must be a whole number from 1/,
    ],
  ])('refuses %j with exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('experiment live: measures a cell through the edge and simulates it beside', async () => {
    const out = join(tmpdir(), `edgent-live-${process.pid}`);
    const r = await runCli([
      'experiment',
      'live',
      '--edge',
      url,
      '--bandwidths',
      '2Mbit',
      '--deadlines',
      '100',
      '--images',
      '3',
      '--json',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const { cells } = JSON.parse(r.stdout) as {
      cells: {
        requests: number;
        measured: { metRate: number };
        simulated: { metRate: number };
        within25: number;
        measuredBps: number;
      }[];
    };
    expect(cells).toHaveLength(1);
    const [cell] = cells;
    expect(cell?.requests).toBe(3);
    for (const x of [cell?.measured.metRate, cell?.simulated.metRate, cell?.within25]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    // The device measured the emulated 2 Mbit/s, not told it: within a factor of 2.
    expect(cell?.measuredBps).toBeGreaterThan(1e6);
    expect(cell?.measuredBps).toBeLessThan(4e6);
  }, 120_000);

  it('closes cleanly on SIGINT, exit 0', async () => {
    edge.child.kill('SIGINT');
    expect((await edge.exited).code).toBe(0);
  });
});
