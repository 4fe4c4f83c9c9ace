import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { factoryExpression } from '../src/runtime/wasm-threads';
import { EMPTY_HISTORY, pushBandwidth, pushRequest } from '../src/session/history';

/** The plot keeps this many newest points (the page's documented history). */
const HISTORY_LIMIT = 300;

import { formatBytes, formatMs, formatPercent, formatRate } from '../src/ui/format';

describe('format', () => {
  it('reads milliseconds, rates, shares and bytes', () => {
    expect([0.8412, 12.34, 250.4, Number.NaN].map(formatMs)).toEqual([
      '0.84 ms',
      '12.3 ms',
      '250 ms',
      '–',
    ]);
    expect([850_000, 12_400_000, 1.2e9, 512].map(formatRate)).toEqual([
      '850 kbit/s',
      '12.4 Mbit/s',
      '1.20 Gbit/s',
      '512 bit/s',
    ]);
    expect(formatPercent(0.9321)).toBe('93.2%');
    expect([784, 12_800, 2_486_728].map(formatBytes)).toEqual(['784 B', '12.5 KiB', '2.37 MiB']);
  });
});

describe('history', () => {
  it('appends without touching the previous snapshot, and keeps the newest points', () => {
    const h1 = pushBandwidth(EMPTY_HISTORY, 1, 2e6);
    expect(h1.bandwidth).toEqual({ t: [1], mbps: [2] });
    expect(EMPTY_HISTORY.bandwidth.t).toEqual([]);
    let h = h1;
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
      h = pushRequest(h, {
        t: i,
        exit: 4,
        partition: i % 3,
        measuredMs: 2,
        predictedMs: 1.8,
        deadlineMs: 100,
      });
    }
    expect(h.requests.t).toHaveLength(HISTORY_LIMIT);
    expect(h.requests.t[0]).toBe(5);
    expect(h.requests.partition.at(-1)).toBe((HISTORY_LIMIT + 4) % 3);
    expect(h.bandwidth).toBe(h1.bandwidth);
  });
});

describe('threaded wasm factory text', () => {
  it("cuts the package's factory expression out of its module, and it parses", () => {
    const require = createRequire(import.meta.url);
    const path = require.resolve(
      '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
    );
    const expr = factoryExpression(readFileSync(path, 'utf8'));
    expect(expr.startsWith('(() => {')).toBe(true);
    expect(() => new Function(`var WasmBackendModuleThreadedSimd = ${expr}`)).not.toThrow();
  });

  it('refuses text laid out otherwise', () => {
    expect(() => factoryExpression('module.exports = 1')).toThrow(/not laid out as expected/);
  });
});
