import { type DeviceProfile, latencyModelSchema, type VariantName } from '@edgent/model';
import type { LatencyModel } from '@edgent/planner';
import { z } from 'zod';

/**
 * This device's latency profile, kept in localStorage per tfjs backend and
 * model hash, so only the first visit (or the re-profile button) pays for
 * profiling. Only what the page uses is kept: the latency model and how it
 * was made, not the raw samples.
 */

/** The parts of a DeviceProfile the page keeps. */
export interface CachedProfile {
  version: 1;
  backend: string;
  modelHash: string;
  device: string;
  tfjs: string;
  createdAt: string;
  /** How long profiling took, ms. */
  durationMs: number;
  chosen: VariantName;
  latency: LatencyModel;
  /** Share of the model's slices the chosen variant predicted within +-10%, and its median error. */
  slices: { within10: number; mape: number; n: number };
  /** Which round of each timing the profile kept: the fastest ('min') or the median. */
  statistic?: 'min' | 'median';
  /**
   * The simulated device speed it was measured at (device emulation; absent: 1). The page's
   * own bookkeeping: the planner gets the latency model, never the factor.
   */
  slowdown?: number;
}

/** The part of the Storage API the cache uses (localStorage, or a Map in tests). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PREFIX = 'edgent/device-profile/v1';

/**
 * The storage key of the profile of `backend` (slowed `slowdown` times) for the model with `modelHash`.
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export function profileKey(backend: string, modelHash: string, slowdown = 1): string {
  return `${PREFIX}/${backend}${slowdown === 1 ? '' : `-x${slowdown}`}/${modelHash}`;
}

/** The slim record of a fresh profile. */
export function toCached(profile: DeviceProfile, modelHash: string, slowdown = 1): CachedProfile {
  const q = profile.variants[profile.chosen].slices;
  return {
    version: 1,
    backend: profile.backend,
    modelHash,
    device: profile.device,
    tfjs: profile.tfjs,
    createdAt: profile.createdAt,
    durationMs: profile.durationMs,
    chosen: profile.chosen,
    latency: profile.latency,
    slices: { within10: q.within10, mape: q.mape, n: q.n },
    statistic: profile.timing.statistic,
    ...(slowdown === 1 ? {} : { slowdown }),
  };
}

/** The cached profile, or undefined when absent or unreadable (an unreadable entry is removed). */
export function loadProfile(
  storage: StorageLike,
  backend: string,
  modelHash: string,
  slowdown = 1,
): CachedProfile | undefined {
  const key = profileKey(backend, modelHash, slowdown);
  let text: string | null;
  try {
    text = storage.getItem(key);
  } catch {
    return undefined;
  }
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as CachedProfile;
    if (
      isCachedProfile(value) &&
      value.backend === backend &&
      value.modelHash === modelHash &&
      (value.slowdown ?? 1) === slowdown
    ) {
      return value;
    }
  } catch {
    // Falls through to removal.
  }
  storage.removeItem(key);
  return undefined;
}

/** Keeps `profile`; false when the storage refused it (full, or disabled). */
export function saveProfile(storage: StorageLike, profile: CachedProfile): boolean {
  try {
    storage.setItem(
      profileKey(profile.backend, profile.modelHash, profile.slowdown ?? 1),
      JSON.stringify(profile),
    );
    return true;
  } catch {
    return false;
  }
}

/** What a cached entry must hold to be used (the rest is shown as it is). */
const cachedProfileSchema = z.looseObject({
  version: z.literal(1),
  backend: z.string(),
  modelHash: z.string(),
  durationMs: z.number(),
  latency: latencyModelSchema,
});

function isCachedProfile(v: unknown): v is CachedProfile {
  return cachedProfileSchema.safeParse(v).success;
}
