/**
 * The documents in docs/ are read by people who will carry the work on: every
 * file they cite must exist, and every function, class or constant they name
 * in `code` must still be defined in the sources.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths';

const docsDir = join(repoRoot, 'docs');
const docs = readdirSync(docsDir).filter((f) => f.endsWith('.md'));

/** The `code` spans of a markdown text. */
const codeSpans = (text: string) => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);

/** A span that names a file or folder of the repository: under one of its top folders, or a file at its root. */
const TOP =
  /^(apps|packages|models|docs|e2e|bench|scripts|traces)\/|^[\w.-]+\.(json|yaml|md|ts|mjs|sh)$/;

/** A span that names code: `Name`, `Class.method`, `function`. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** Every TypeScript source (not test) of the apps and packages, concatenated. */
function sources(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mjs)$/.test(e.name) && p.includes('/src/')) {
        out.push(readFileSync(p, 'utf8'));
      }
    }
  };
  for (const top of ['apps', 'packages']) walk(join(repoRoot, top));
  return out.join('\n');
}

describe('docs/', () => {
  it('has the architecture, protocol and planner documents', () => {
    expect(docs).toEqual(expect.arrayContaining(['architecture.md', 'protocol.md', 'planner.md']));
  });

  it.each(docs)('%s: every path it cites exists', (doc) => {
    const text = readFileSync(join(docsDir, doc), 'utf8');
    // Globs (`packages/*/test`) name kinds of places, not one.
    const paths = codeSpans(text).filter((s) => TOP.test(s) && !s.includes('*'));
    expect(paths.length).toBeGreaterThan(0);
    const missing = paths.filter((p) => !existsSync(join(repoRoot, p.replace(/[#:].*$/, ''))));
    expect(missing).toEqual([]);
  });

  it.each(docs)('%s: every function, class or constant it names is defined', (doc) => {
    const text = readFileSync(join(docsDir, doc), 'utf8');
    const src = sources();
    // Names of code: camelCase or PascalCase with a capital inside, or Class.member.
    const names = codeSpans(text).filter(
      (s) =>
        IDENTIFIER.test(s) &&
        !TOP.test(s) &&
        (/[a-z][A-Z]/.test(s) || s.includes('.') || /^[A-Z]/.test(s)),
    );
    const undefinedNames = names.filter((n) =>
      n.split('.').some((part) => !new RegExp(`\\b${part}\\b`).test(src)),
    );
    expect(undefinedNames).toEqual([]);
  });
});
