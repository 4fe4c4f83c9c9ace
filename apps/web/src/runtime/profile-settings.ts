import type { ProfileSettings } from '@edgent/model';

/**
 * How the page profiles this device with the shared `profileDevice`: the
 * fewest layer configurations the regressions accept (8 per kind, against
 * `edgent profile`'s 24) and the same rounds (2 warm-up, fastest of 15).
 * Measured in headless Chromium on WASM (SIMD, threads) on this project's
 * 2-core VM: about 5 s, 93-96% of the model's slices predicted within ±10%;
 * 12 s under 4x CPU throttling. Fewer rounds (5) took 2.4 s but predicted
 * only 28% of slices within ±10%.
 */
export type PageProfileSettings = Pick<
  ProfileSettings,
  'perKind' | 'seed' | 'warmup' | 'runs' | 'minSampleMs'
>;

/** @internal Exported for its unit tests only (knip --production allows it). */
export const PAGE_PROFILE: Readonly<PageProfileSettings> = Object.freeze({
  perKind: 8,
  seed: 1,
  warmup: 2,
  runs: 15,
  minSampleMs: 1,
});

/**
 * The GPU backends, software-emulated in headless Chromium here, take
 * 91 s (WebGL) and over 4 minutes (WebGPU) with PAGE_PROFILE: they get 1
 * warm-up and the fastest of 5 rounds.
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export const GPU_PROFILE: Readonly<PageProfileSettings> = Object.freeze({
  ...PAGE_PROFILE,
  warmup: 1,
  runs: 5,
});

/** The profiling settings for `backend`. */
export function profileSettingsFor(backend: string): Readonly<PageProfileSettings> {
  return backend === 'webgl' || backend === 'webgpu' ? GPU_PROFILE : PAGE_PROFILE;
}

/** Share of the progress bar each phase fills: layer configurations, then the model. */
const LAYERS_SHARE = 0.3;

/** Overall progress, 0..100, from `profileDevice`'s onPhase. */
export function profileProgress(phase: 'layers' | 'model', done: number, total: number): number {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const overall = phase === 'layers' ? LAYERS_SHARE * f : LAYERS_SHARE + (1 - LAYERS_SHARE) * f;
  return Math.round(100 * overall);
}
