import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** The shipped model's folder. */
export const modelDir = join(root, 'models', 'b-alexnet-fmnist');

/**
 * Starts `edgent serve` on a free loopback port with the shipped edge profile
 * (no first-start profiling) and quiet logs; resolves with the child and its
 * http:// address once it listens. `root` runs another checkout's edge (whose
 * flags may differ: `args` replaces the default `--no-https`).
 */
export async function startEdge(
  workers: number,
  options: { root?: string; args?: string[] } = {},
): Promise<{ child: ChildProcess; url: string }> {
  const tree = options.root ?? root;
  const child = spawn(
    process.execPath,
    [
      join(tree, 'apps', 'cli', 'bin', 'edgent.js'),
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--workers',
      String(workers),
      ...(options.args ?? ['--no-https']),
      '--log-level',
      'warn',
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
    child.once('exit', (code) => reject(new Error(`edgent serve exited ${code}`)));
  });
  return { child, url };
}
