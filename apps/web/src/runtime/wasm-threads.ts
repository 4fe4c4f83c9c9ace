import * as threadedImport from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import threadedSource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

/**
 * Makes tfjs-backend-wasm's threaded build work after bundling.
 *
 * Its pthread workers load the Emscripten factory from a Blob made of
 * `factory.toString()`. Once the bundler has wrapped and minified that
 * module, the function's text refers to variables of its bundled closure,
 * which do not exist in the worker ("e is not defined"). Here the factory's
 * `toString` returns the module's original, self-contained expression
 * instead (shipped with the package, imported as text).
 */

const PREFIX = 'var WasmBackendModuleThreadedSimd =';
const SUFFIX = "if (typeof exports === 'object'";

/**
 * The factory expression of the module's source: between its `var ... =` and its export lines.
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export function factoryExpression(source: string): string {
  const start = source.indexOf(PREFIX);
  const end = source.indexOf(SUFFIX, start);
  if (start < 0 || end < start) {
    throw new Error('tfjs-backend-wasm threaded module is not laid out as expected');
  }
  return source
    .slice(start + PREFIX.length, end)
    .trim()
    .replace(/;$/, '');
}

/** Call before the wasm backend initialises; idempotent. */
export function patchThreadedFactory(): void {
  const mod = threadedImport as unknown as { default?: unknown };
  const factory = (mod.default ?? mod) as { toString: () => string };
  if (typeof factory !== 'function' && typeof factory !== 'object') return;
  const text = factoryExpression(threadedSource);
  Object.defineProperty(factory, 'toString', { value: () => text, configurable: true });
}
