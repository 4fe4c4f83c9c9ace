import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './paths';

/**
 * The real edge (`edgent serve`) as a child process, for the end-to-end
 * tests: global setup starts the one the page is served from, and a test
 * that needs to stop and restart an edge starts its own on its own port.
 */

/** A running edge. */
export interface RunningEdge {
  /** e.g. http://localhost:41234 */
  readonly url: string;
  readonly port: number;
  /** e.g. https://localhost:41235: the same app over HTTPS with a self-signed certificate. */
  readonly httpsUrl: string;
  readonly httpsPort: number;
  /** Stops it with SIGINT and waits for it to exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link startEdge}. */
export interface StartEdgeOptions {
  /** Port to listen on; default a free one. */
  port?: number;
  /** How long to wait for the "listening on" line, ms; default 60 000. */
  timeoutMs?: number;
}

const LISTENING = /listening on (http:\/\/\S+) and (https:\/\/\S+)/;

/** A TCP port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `edgent serve` on 127.0.0.1 with one inference worker and the
 * shipped edge profile (no profiling at start), and resolves once it prints
 * its "listening on" line.
 *
 * @example
 * const edge = await startEdge();
 * await page.goto(edge.url);
 * await edge.stop();
 */
export async function startEdge(options: StartEdgeOptions = {}): Promise<RunningEdge> {
  const port = options.port ?? (await freePort());
  const httpsPort = await freePort();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'apps/cli/bin/edgent.js'),
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--https-port',
      String(httpsPort),
      '--workers',
      '1',
      // The LAN-style name the tests open the edge by (origins.ts), as an operator lists theirs.
      '--allow-host',
      'edgent-edge.test',
      '--log-level',
      'warn',
      '--profile-file',
      join(repoRoot, 'models/b-alexnet-fmnist/profiles/edge.json'),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0)));
  });
  // Until it listens, its output is kept for the error; after, it goes to the test output
  // (at log level warn, only problems).
  const output: string[] = [];
  let listening = false;
  const onOutput = (chunk: Buffer) => {
    if (listening) process.stderr.write(`[edge :${port}] ${chunk}`);
    else output.push(chunk.toString());
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const urls = await new Promise<{ url: string; httpsUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `edge on port ${port} printed no "listening on" line in ${timeoutMs} ms:\n${output.join('')}`,
        ),
      );
    }, timeoutMs);
    child.stdout?.on('data', () => {
      const match = LISTENING.exec(output.join(''));
      if (!listening && match?.[1] && match[2]) {
        listening = true;
        clearTimeout(timer);
        resolve({ url: match[1], httpsUrl: match[2] });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `edge on port ${port} exited with code ${code} before listening:\n${output.join('')}`,
        ),
      );
    });
  });
  return {
    ...urls,
    port,
    httpsPort,
    stop: (graceMs = 10_000) => stopChild(child, exited, graceMs),
  };
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  graceMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
