/**
 * The edge's bandwidth traces: `<name>.tsv` files in one folder, in the
 * `seconds<TAB>Mbit/s` format, found and read by name (never by path).
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type BandwidthTrace, meanRateBetween, parseTrace, traceDuration } from '@edgent/planner';
import type { TraceSummary } from '@edgent/protocol';
import { EdgeError } from '../errors.js';

const TRACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const EXTENSION = '.tsv';
/** The largest trace file read: the shipped ones are under 20 KB. */
const MAX_TRACE_BYTES = 16 * 2 ** 20;
/** How many available names a missing-trace error lists. */
const NAMES_SHOWN = 5;

/** Names of the `*.tsv` traces in `dir`, without the extension, sorted; none when `dir` does not exist. */
export async function listTraces(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith(EXTENSION))
    .map((entry) => entry.name.slice(0, -EXTENSION.length))
    .filter((name) => TRACE_NAME.test(name))
    .sort();
}

/**
 * Reads and parses the trace `<dir>/<name>.tsv`. Throws `EDGENT_ERR_NO_TRACE`
 * when `name` is not a plain trace name or no such file exists (naming the
 * folder and some available traces), `EDGENT_ERR_TRACE_UNREADABLE` when the
 * entry cannot be read (a folder, no permission, over 16 MiB), and the
 * planner's `EDGENT_ERR_BAD_TRACE` when the file does not parse. Nothing else.
 *
 * @example const trace = await loadTrace('traces/norway-hsdpa', 'norway_bus_1');
 */
export async function loadTrace(dir: string, name: string): Promise<BandwidthTrace> {
  if (!TRACE_NAME.test(name)) {
    throw new EdgeError(
      'EDGENT_ERR_NO_TRACE',
      `trace name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (no paths); got ${JSON.stringify(name)}`,
    );
  }
  const path = join(dir, name + EXTENSION);
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    if (info.size > MAX_TRACE_BYTES) {
      throw Object.assign(new Error(`${info.size} bytes, over ${MAX_TRACE_BYTES}`), {
        code: 'EFBIG',
      });
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new EdgeError(
        'EDGENT_ERR_NO_TRACE',
        `no trace "${name}" in ${dir}; ${describeAvailable(await listTraces(dir).catch(() => []))}`,
      );
    }
    // A folder named like a trace, an unreadable or oversized file: the edge's problem, told.
    throw new EdgeError(
      'EDGENT_ERR_TRACE_UNREADABLE',
      `trace "${name}" in ${dir} cannot be read (${code ?? (error as Error).message}); ${describeAvailable(await listTraces(dir).catch(() => []))}`,
    );
  }
  return parseTrace(text, path);
}

function describeAvailable(names: string[]): string {
  if (names.length === 0) return `the folder has no ${EXTENSION} traces`;
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  const more = names.length > NAMES_SHOWN ? `, and ${names.length - NAMES_SHOWN} more` : '';
  return `available: ${shown}${more}`;
}

/** Summaries of every trace in `dir` that parses (others are left out), by name. */
export async function summariseTraces(dir: string): Promise<TraceSummary[]> {
  const out: TraceSummary[] = [];
  for (const name of await listTraces(dir)) {
    const trace = await loadTrace(dir, name).catch(() => undefined);
    if (!trace || trace.t.length === 0) continue;
    const durationS = traceDuration(trace);
    out.push({
      name,
      durationS,
      minMbps: Math.min(...trace.mbps),
      maxMbps: Math.max(...trace.mbps),
      meanMbps: meanRateBetween(trace, 0, durationS),
    });
  }
  return out;
}
