/** Hand-written fakes for the planner tests: paths, latency models, a seeded PRNG. */
import type { LatencyModel, PlannerLayer, PlannerPath } from '../src/types';

/** mulberry32: same seed, same sequence of uniforms in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draw (Box-Muller) from a uniform generator. */
export function gaussian(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A path of ReLU layers whose outputs have `elements[j]` values; features = [elements]. */
export function fakePath(
  exit: number,
  accuracy: number,
  elements: readonly number[],
  rawInputBytes = 100,
): PlannerPath {
  const layers: PlannerLayer[] = elements.map((e, index) => ({
    index,
    name: `l${index}`,
    kind: 'relu',
    features: [e],
    outputBytes: 4 * e,
  }));
  return { exit, layers, inputBytes: 4 * rawInputBytes, rawInputBytes, accuracy };
}

/** A latency model with only a ReLU regression `intercept + slope * inputSize`. */
export function reluModel(intercept: number, slope: number, calibration?: number): LatencyModel {
  const m: LatencyModel = {
    backend: 'fake',
    device: 'fake',
    kinds: { relu: { intercept, weights: [slope] } },
  };
  if (calibration !== undefined) m.calibration = calibration;
  return m;
}
