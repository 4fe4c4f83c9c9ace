import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Writes `<dir>/report.json` and `<dir>/report.md`; returns the Markdown path. */
export async function writeReport(dir: string, json: unknown, markdown: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'report.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(dir, 'report.md'), markdown);
  return join(dir, 'report.md');
}
