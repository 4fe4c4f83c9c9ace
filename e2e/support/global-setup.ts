import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeCameraModelFixtures } from './camera-model-fixtures';
import { startEdge } from './edge';
import { makeFixtures } from './fixtures-data';
import { repoRoot } from './paths';

/**
 * Before the tests: builds the page when its build is missing or older than
 * its sources, makes the test images (and the camera model's, when it is
 * shipped), and starts the real edge serving the
 * page (HTTP and HTTPS). Tests find it in EDGENT_E2E_BASE_URL, its ports in
 * EDGENT_E2E_HTTP_PORT and EDGENT_E2E_HTTPS_PORT. Returns the teardown, which
 * stops the edge.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  buildPageIfStale();
  await makeFixtures();
  await makeCameraModelFixtures();
  const edge = await startEdge();
  process.env.EDGENT_E2E_BASE_URL = edge.url;
  process.env.EDGENT_E2E_HTTPS_PORT = String(edge.httpsPort);
  process.env.EDGENT_E2E_HTTP_PORT = String(edge.port);
  return () => edge.stop();
}

const webDir = join(repoRoot, 'apps/web');

function buildPageIfStale(): void {
  const built = join(webDir, 'dist/index.html');
  const sources = [join(webDir, 'src'), ...topLevelFiles(webDir)];
  const newest = Math.max(...sources.map(newestMtime));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  process.stderr.write('e2e: building the page (pnpm --filter @edgent/web build)\n');
  execFileSync('pnpm', ['--filter', '@edgent/web', 'build'], { cwd: repoRoot, stdio: 'inherit' });
}

/** index.html, vite.config.ts, package.json and the like. */
function topLevelFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(dir, entry.name));
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}
