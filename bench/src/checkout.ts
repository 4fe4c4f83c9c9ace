/**
 * Another commit of this repository beside this checkout, for benchmarks that
 * compare before and after in one run: a git worktree under .cache/bench/,
 * installed from the pnpm store (offline); reused when already there.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** Checks `ref` out and installs it (and builds its page when `page`); returns its folder. */
export function checkout(
  ref: string,
  options: { page?: boolean; log?: (text: string) => void } = {},
) {
  const log = options.log ?? (() => {});
  const sha = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: root })
    .toString()
    .trim();
  const dir = join(root, '.cache', 'bench', `tree-${sha}`);
  if (!existsSync(join(dir, 'package.json'))) {
    mkdirSync(join(root, '.cache', 'bench'), { recursive: true });
    log(`checking out ${sha} into ${dir}`);
    execFileSync('git', ['worktree', 'add', '--force', '--detach', dir, sha], {
      cwd: root,
      stdio: 'ignore',
    });
  }
  if (!existsSync(join(dir, 'node_modules', '.modules.yaml'))) {
    log(`installing ${sha} from the pnpm store`);
    execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline', '--reporter=silent'], {
      cwd: dir,
      stdio: 'inherit',
    });
  }
  if (options.page && !existsSync(join(dir, 'apps', 'web', 'dist', 'index.html'))) {
    log(`building ${sha}'s page`);
    execFileSync('pnpm', ['--filter', '@edgent/web', 'build'], { cwd: dir, stdio: 'ignore' });
  }
  return { dir, sha };
}
