/**
 * The wire registry (`WIRE_CODES` of @edgent/protocol) against the sources:
 * every code the edge can send a device is in it, and every code in it is
 * produced somewhere (no dead codes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpStatusOf, WIRE_CODES } from '@edgent/protocol';
import { describe, expect, it } from 'vitest';
import { EDGE_LOCAL_CODES } from '../src/errors.js';

const root = join(import.meta.dirname, '..', '..', '..');

/** The sources of a folder, comments stripped. */
function sources(dir: string, skip: (file: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mjs)$/.test(e.name) && !skip(p)) {
        const text = readFileSync(p, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/^\s*\/\/.*$/gm, '');
        out.set(p, text);
      }
    }
  };
  walk(dir);
  return out;
}

/** The `EDGENT_ERR_*` codes written as string literals in `texts`. */
function codesIn(texts: Iterable<string>): Set<string> {
  const codes = new Set<string>();
  for (const t of texts)
    for (const m of t.matchAll(/['"`](EDGENT_ERR_[A-Z0-9_]+)['"`]/g)) {
      codes.add(m[1] as string);
    }
  return codes;
}

/** Protocol codes only an encoder raises: the edge sends float32 results, never int8. */
const ENCODER_ONLY = ['EDGENT_ERR_TENSOR_NOT_FINITE'];

describe('the wire registry', () => {
  it('holds every code the edge can send: its own and the protocol decoders it forwards', () => {
    const edge = codesIn(sources(join(root, 'apps/edge/src')).values());
    const protocol = codesIn(
      sources(join(root, 'packages/protocol/src'), (f) => f.endsWith('codes.ts')).values(),
    );
    const local = new Set<string>([...EDGE_LOCAL_CODES, ...ENCODER_ONLY]);
    const sent = [...edge, ...protocol].filter((c) => !local.has(c));
    expect(sent.length).toBeGreaterThan(30);
    expect(sent.filter((c) => !Object.hasOwn(WIRE_CODES, c))).toEqual([]);
  });

  it('has no dead codes: each is raised somewhere in the apps or packages', () => {
    const all = new Map<string, string>();
    for (const top of ['apps', 'packages']) {
      for (const pkg of readdirSync(join(root, top))) {
        const src = join(root, top, pkg, 'src');
        try {
          for (const [f, t] of sources(src, (f) => f.endsWith('protocol/src/codes.ts'))) {
            all.set(f, t);
          }
        } catch {
          // a package without src/
        }
      }
    }
    const produced = codesIn(all.values());
    expect(Object.keys(WIRE_CODES).filter((c) => !produced.has(c))).toEqual([]);
  });

  it('gives HTTP statuses to the codes routes answer with, and 500 to an unknown code', () => {
    expect(httpStatusOf('EDGENT_ERR_UNAUTHORIZED')).toBe(401);
    expect(httpStatusOf('EDGENT_ERR_NO_MODEL')).toBe(404);
    expect(httpStatusOf('EDGENT_ERR_RATE_LIMITED')).toBe(429);
    expect(httpStatusOf('EDGENT_ERR_SOMETHING_ELSE')).toBe(500);
  });
});
