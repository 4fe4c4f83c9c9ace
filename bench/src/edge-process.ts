import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** The shipped model's folder. */
export const modelDir = join(root, 'models', 'b-alexnet-fmnist');

/**
 * Starts `edgent serve` on a free loopback port with the shipped edge profile
 * (no first-start profiling) and quiet logs; resolves with the child and its
 * http:// address once it listens. `root` runs another checkout's edge (whose
 * flags may differ: `args` replaces the default `--no-https`); `prefix` runs it
 * under another command (e.g. `ip netns exec <namespace>`), listening on `host`.
 */
export async function startEdge(
  workers: number,
  options: {
    root?: string;
    args?: string[];
    logLevel?: string;
    prefix?: string[];
    host?: string;
  } = {},
): Promise<{ child: ChildProcess; url: string }> {
  const tree = options.root ?? root;
  const [command, ...before] = [...(options.prefix ?? []), process.execPath];
  const child = spawn(
    command as string,
    [
      ...before,
      join(tree, 'apps', 'cli', 'bin', 'edgent.js'),
      'serve',
      '--port',
      '0',
      '--host',
      options.host ?? '127.0.0.1',
      '--workers',
      String(workers),
      ...(options.args ?? ['--no-https']),
      '--log-level',
      options.logLevel ?? 'warn',
      '--profile-file',
      join(tree, 'models', 'b-alexnet-fmnist', 'profiles', 'edge.json'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: tree },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    // Keep reading, so a talkative edge never blocks on a full pipe.
    child.stdout?.resume();
    child.once('exit', (code) => reject(new Error(`edgent serve exited ${code}`)));
  });
  return { child, url };
}

/** The resident set size of process `pid` in bytes (Linux /proc), or NaN where not readable. */
export function rssBytes(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** One scrape of the edge's /metrics: its text, and the value of a series summed over matching labels (NaN if none). */
export async function scrapeMetrics(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ text: string; value: (name: string, labels?: Record<string, string>) => number }> {
  const res = await fetch(`${url}/metrics`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics ${res.status}: ${text}`);
  const value = (name: string, labels: Record<string, string> = {}) => {
    let sum = 0;
    let found = false;
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries(
        [...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
      );
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
        sum += Number(m[4]);
        found = true;
      }
    }
    return found ? sum : Number.NaN;
  };
  return { text, value };
}
