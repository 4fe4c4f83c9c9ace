/**
 * Bytes on the wire for the page: a first visit (nothing cached) and a
 * repeat visit (a new tab in the same browser profile, its HTTP cache and
 * stored device profile kept), for this checkout's edge and page and for an
 * earlier commit's, side by side in one run. The earlier commit is checked
 * out into a git worktree under .cache/bench/, installed from the pnpm store
 * (offline) and its page built there.
 *
 *   pnpm bench:page-weight [--before 06e46e1] [--visits 3]
 *
 * Counted: every HTTP response's encoded bytes on the wire (headers and
 * body, as Chromium's network layer reports them), by kind; WebSocket
 * frames are co-inference, not page weight, and are left out.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from '@edgent/model/node';
import { type Browser, chromium } from 'playwright-core';
import { checkout as checkoutTree } from './src/checkout';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './src/chromium';
import { startEdge } from './src/edge-process';
import { median, writeReport } from './src/report';

const { values: flags } = parseArgs({
  options: {
    // The last commit before the page was compressed, cached and fetched its profile once.
    before: { type: 'string', default: '06e46e1' },
    visits: { type: 'string', default: '3' },
    out: { type: 'string', default: join(import.meta.dirname, 'reports', 'page-weight') },
  },
});
const visits = Number(flags.visits);
if (!Number.isInteger(visits) || visits < 1)
  throw new Error(`--visits must be >= 1, got ${flags.visits}`);
const root = join(import.meta.dirname, '..');

/** A checkout of `ref` beside this one, installed and its page built. */
function checkout(ref: string): string {
  return checkoutTree(ref, { page: true, log: step }).dir;
}

function step(text: string): void {
  process.stderr.write(`page-weight: ${text}\n`);
}

type Kind = 'document' | 'script' | 'style' | 'wasm' | 'model' | 'api' | 'other';

function kindOf(url: string, type: string): Kind {
  const path = new URL(url).pathname;
  if (path.startsWith('/model/')) return 'model';
  if (path.startsWith('/api/')) return 'api';
  if (path.endsWith('.wasm')) return 'wasm';
  if (type === 'Document') return 'document';
  if (type === 'Script' || path.endsWith('.js')) return 'script';
  if (type === 'Stylesheet') return 'style';
  return 'other';
}

interface Visit {
  bytes: number;
  requests: number;
  byKind: Record<Kind, number>;
  /** /api/profile fetches and their bytes on the wire (a revalidation answered 304 has no body). */
  profileFetches: { count: number; bytes: number };
}

/** Opens `url` in `page`'s tab and counts the bytes until the page is ready (profiled, connected). */
async function visit(
  browser: Browser,
  context: Awaited<ReturnType<Browser['newContext']>>,
  url: string,
) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const meta = new Map<string, { url: string; type: string; status: number }>();
  const v: Visit = {
    bytes: 0,
    requests: 0,
    byKind: { document: 0, script: 0, style: 0, wasm: 0, model: 0, api: 0, other: 0 },
    profileFetches: { count: 0, bytes: 0 },
  };
  cdp.on('Network.responseReceived', (e) => {
    meta.set(e.requestId, { url: e.response.url, type: e.type, status: e.response.status });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const m = meta.get(e.requestId);
    if (!m?.url.startsWith('http')) return;
    v.bytes += e.encodedDataLength;
    v.requests++;
    v.byKind[kindOf(m.url, m.type)] += e.encodedDataLength;
    if (new URL(m.url).pathname === '/api/profile') {
      v.profileFetches.count++;
      v.profileFetches.bytes += e.encodedDataLength;
    }
  });
  await page.goto(url);
  await page.getByTestId('profile-status').filter({ hasText: 'ready' }).waitFor({
    state: 'attached',
    timeout: 120_000,
  });
  await page.getByTestId('edge-status').filter({ hasText: 'connected' }).waitFor({
    state: 'attached',
    timeout: 60_000,
  });
  // Late requests (the edge profile after connecting, the gallery) land before counting stops.
  await page.waitForTimeout(2500);
  await page.close();
  void browser;
  return v;
}

interface Side {
  label: string;
  commit: string;
  first: Visit[];
  repeat: Visit[];
}

async function measure(label: string, tree: string, args?: string[]): Promise<Side> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: tree })
    .toString()
    .trim();
  const { child, url } = await startEdge(1, { root: tree, ...(args ? { args } : {}) });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
  });
  const side: Side = { label, commit, first: [], repeat: [] };
  try {
    for (let i = 0; i < visits; i++) {
      const context = await browser.newContext();
      side.first.push(await visit(browser, context, url));
      side.repeat.push(await visit(browser, context, url));
      await context.close();
      step(`${label}: visit ${i + 1}/${visits}`);
    }
  } finally {
    await browser.close();
    child.kill('SIGINT');
  }
  return side;
}

const beforeTree = checkout(flags.before as string);
// The earlier edge has no HTTPS and no --no-https flag.
const before = await measure('before', beforeTree, []);
const after = await measure('after', root);

const kinds: Kind[] = ['document', 'script', 'style', 'wasm', 'model', 'api', 'other'];
const med = (vs: Visit[], f: (v: Visit) => number) => median(vs.map(f));
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
const summary = (s: Side) => ({
  label: s.label,
  commit: s.commit,
  firstBytes: med(s.first, (v) => v.bytes),
  repeatBytes: med(s.repeat, (v) => v.bytes),
  firstRequests: med(s.first, (v) => v.requests),
  repeatRequests: med(s.repeat, (v) => v.requests),
  firstByKind: Object.fromEntries(kinds.map((k) => [k, med(s.first, (v) => v.byKind[k])])),
  repeatByKind: Object.fromEntries(kinds.map((k) => [k, med(s.repeat, (v) => v.byKind[k])])),
  profileFetchesFirst: s.first.at(-1)?.profileFetches,
  profileFetchesRepeat: s.repeat.at(-1)?.profileFetches,
});
const rows = [summary(before), summary(after)];
const [b, a] = rows as [ReturnType<typeof summary>, ReturnType<typeof summary>];
const machine = describeMachine();
const md = [
  '# Page weight: bytes on the wire, before and after',
  '',
  `\`pnpm bench:page-weight --before ${flags.before} --visits ${visits}\``,
  '',
  'Every HTTP response of a visit, headers and body as encoded on the wire (Chromium DevTools',
  '`Network.loadingFinished` encodedDataLength), until the page is profiled and connected plus 2.5 s. First',
  'visit: a fresh browser profile. Repeat visit: a new tab in the same profile (HTTP cache and the stored',
  `device profile kept). Medians of ${visits} visits each; both edges on loopback with the shipped edge profile.`,
  `Before: commit ${b.commit}; after: commit ${a.commit}. Machine: ${machine.cpu}, Debian Chromium headless.`,
  '',
  '| | before | after | after / before |',
  '|---|---|---|---|',
  `| first visit | ${mb(b.firstBytes)} (${b.firstRequests} responses) | ${mb(a.firstBytes)} (${a.firstRequests}) | ${(a.firstBytes / b.firstBytes).toFixed(2)} |`,
  `| repeat visit | ${kib(b.repeatBytes)} (${b.repeatRequests} responses) | ${kib(a.repeatBytes)} (${a.repeatRequests}) | ${(a.repeatBytes / b.repeatBytes).toFixed(2)} |`,
  '',
  '| kind | first before | first after | repeat before | repeat after |',
  '|---|---|---|---|---|',
  ...kinds.map(
    (k) =>
      `| ${k} | ${kib(b.firstByKind[k] ?? 0)} | ${kib(a.firstByKind[k] ?? 0)} | ${kib(b.repeatByKind[k] ?? 0)} | ${kib(a.repeatByKind[k] ?? 0)} |`,
  ),
  '',
  `GET /api/profile per visit (fetches, bytes on the wire): before ${fmt(b.profileFetchesFirst)} first, ${fmt(b.profileFetchesRepeat)} repeat; after ${fmt(a.profileFetchesFirst)} first, ${fmt(a.profileFetchesRepeat)} repeat (a revalidation answered 304 by its ETag).`,
  '',
].join('\n');

function fmt(p: { count: number; bytes: number } | undefined): string {
  return p ? `${p.count} (${kib(p.bytes)})` : '?';
}

const json = { machine, visits, before: { ...b, visits: before }, after: { ...a, visits: after } };
process.stdout.write(`${md}\nwrote ${await writeReport(flags.out as string, json, md)}\n`);
process.exit(0);
