/**
 * The CLI as a new user meets it (issue 14): each rough edge found then, with
 * the message it now gives and the exit code of the convention (0 ok,
 * 1 runtime failure, 2 usage error).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { runCli } from './run-cli';

const bin = fileURLToPath(new URL('../bin/edgent.js', import.meta.url));
let dir = '';
let busy: Server;
let busyPort = 0;
let closedPort = 0;

/** A port with a listener on it, and one with none. */
async function listen(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgent-rough-'));
  busy = await listen();
  busyPort = portOf(busy);
  const closed = await listen();
  closedPort = portOf(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('edgent, tried as a new user would', () => {
  it('stops quietly with exit 0 when the reader of its output goes (plan | head -1)', async () => {
    const child = spawn(process.execPath, [
      bin,
      'plan',
      '--bandwidth',
      '500kbit',
      '--deadline',
      '200ms',
    ]);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // Read the first chunk, then close the pipe as `head -1` does.
    const first = await new Promise<string>((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(String(first)).toMatch(/^Link 500 kbit\/s/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('shows duration defaults as they are typed, and takes them so', async () => {
    const help = await runCli(['plan', '--help']);
    expect(help.stdout).toMatch(/--rtt <time>[\s\S]*\(default: 20ms\)/);
    const bare = await runCli(['plan', '--bandwidth', '1Mbit', '--deadline', '1s', '--rtt', '20']);
    expect(bare.stderr).toMatch(/"20" is not a duration; accepted forms: 300ms, 0.3s, 500us/);
    expect(bare.code).toBe(2);
    const typed = await runCli([
      'plan',
      '--bandwidth',
      '1Mbit',
      '--deadline',
      '1s',
      '--rtt',
      '20ms',
    ]);
    expect(typed.stdout).toMatch(/RTT 20 ms/);
    expect(typed.code).toBe(0);
  });

  it('prints its version, exit 0', async () => {
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.code).toBe(0);
  });

  it('refuses a path in --edge the edge does not serve, before any work, exit 2', async () => {
    const r = await deviceOn(`http://127.0.0.1:${closedPort}/app`);
    expect(r.stderr).toMatch(
      `the edge serves its WebSocket at /ws, not /app; give its origin (http://127.0.0.1:${closedPort}) or its /ws URL`,
    );
    expect(r.code).toBe(2);
  });

  it('says what is wrong with an image file, exit 2', async () => {
    const empty = join(dir, 'empty.png');
    const notPng = join(dir, 'text.png');
    const damaged = join(dir, 'damaged.webp');
    await writeFile(empty, '');
    await writeFile(notPng, 'hello');
    await writeFile(
      damaged,
      Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBPVP8 '), Buffer.alloc(20)]),
    );
    const device = (file: string) =>
      runCli([
        'device',
        '--edge',
        `http://127.0.0.1:${closedPort}`,
        '--image',
        file,
        '--deadline',
        '1s',
      ]);
    const cases: [string, string][] = [
      [empty, `--image ${empty} is empty (0 bytes)`],
      [notPng, `--image ${notPng} is not a PNG file: it does not start with the PNG signature`],
      [damaged, `--image ${damaged} is a damaged WebP file`],
      [join(dir, 'x.gif'), 'only .png, .jpg, .jpeg and .webp files are read'],
    ];
    for (const [file, message] of cases) {
      const r = await device(file);
      expect(r.stderr, file).toContain(message);
      expect(r.code, file).toBe(2);
    }
  });

  it('says at once that the port is in use, exit 1', async () => {
    const r = await runCli([
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(busyPort),
      '--no-https',
    ]);
    expect(r.stderr).toContain(
      `EDGENT_ERR_PORT_IN_USE: port ${busyPort} on 127.0.0.1 is in use (another edgent serve?); stop that process or choose another port with --port`,
    );
    expect(r.code).toBe(1);
  });

  it('refuses a --traces-dir that is not a folder, exit 2', async () => {
    const missing = join(dir, 'no-traces');
    const r = await runCli(['serve', '--port', '0', '--traces-dir', missing]);
    expect(r.stderr).toContain(`--traces-dir ${missing} is not a folder`);
    expect(r.code).toBe(2);
  });

  it('treats an edge that is down as a runtime failure, exit 1', async () => {
    const r = await deviceOn(`http://127.0.0.1:${closedPort}`);
    expect(r.stderr).toMatch(
      `EDGENT_ERR_UNREACHABLE: cannot get the edge's profile from http://127.0.0.1:${closedPort}`,
    );
    expect(r.code).toBe(1);
  });

  it('treats a connection the edge closes as a runtime failure too, exit 1', async () => {
    // An edge that serves its profile, then closes each session at its hello.
    const profile = await readFile(
      fileURLToPath(
        new URL('../../../models/b-alexnet-fmnist/profiles/edge.json', import.meta.url),
      ),
    );
    const server = createHttpServer((req, res) => {
      res.statusCode = req.url?.startsWith('/api/profile') ? 200 : 404;
      res.setHeader('content-type', 'application/json');
      res.end(res.statusCode === 200 ? profile : '{}');
    });
    const sockets = new WebSocketServer({ server, path: '/ws' });
    sockets.on('connection', (ws) => ws.once('message', () => ws.close(1011, 'going')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await deviceOn(`http://127.0.0.1:${port}`, 3);
      expect(r.stderr).toContain(
        'EDGENT_ERR_CLOSED: the connection to the edge closed (1011: going)',
      );
      expect(r.code).toBe(1);
    } finally {
      sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** `edgent device` against `edge` on `images` Fashion-MNIST test images, deadline 1 s. */
function deviceOn(edge: string, images = 1) {
  return runCli([
    'device',
    '--edge',
    edge,
    '--fashion-mnist-test',
    String(images),
    '--deadline',
    '1s',
  ]);
}
