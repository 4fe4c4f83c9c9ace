import {
  type DeviceSlowdown,
  type ModelManifest,
  type MultiExitModel,
  profileDevice,
} from '@edgent/model';
import type { LatencyModel } from '@edgent/planner';
import {
  type CachedProfile,
  loadProfile,
  type StorageLike,
  saveProfile,
  toCached,
} from '../runtime/profile-cache';
import { profileProgress, profileSettingsFor } from '../runtime/profile-settings';

/** Lets the browser render (and paint, when a frame is due) between profiling rounds. */
function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    // rAF does not fire in a hidden tab; the timeout keeps profiling going there.
    const t = setTimeout(done, 50);
    requestAnimationFrame(() => {
      clearTimeout(t);
      setTimeout(done, 0);
    });
  });
}

/** What `deviceProfile` needs. */
export interface DeviceProfileJob {
  storage: StorageLike;
  backend: string;
  manifest: ModelManifest;
  model: MultiExitModel;
  /** Ignore the cache (the re-profile button). */
  force: boolean;
  /** Keep the fastest round of each timing ('min', the default) or the median one. */
  statistic?: 'min' | 'median';
  /** Device emulation: profile the device as slowed by this (the profile is cached per factor). */
  slowdown?: DeviceSlowdown;
  now: () => number;
  /** 0..100 and the phase, after each round. */
  onProgress: (progress: number, phase: 'layers' | 'model') => void;
}

/**
 * This device's profile on `backend`: from the cache when there is one,
 * else measured with the shared `profileDevice` and cached.
 */
export async function deviceProfile(
  job: DeviceProfileJob,
): Promise<{ profile: CachedProfile; fromCache: boolean }> {
  const { storage, backend, manifest } = job;
  const factor = job.slowdown?.factor ?? 1;
  const cached = job.force ? undefined : loadProfile(storage, backend, manifest.hash, factor);
  if (cached) return { profile: cached, fromCache: true };
  const fresh = await profileDevice(job.model, {
    ...profileSettingsFor(backend),
    ...(job.statistic ? { statistic: job.statistic } : {}),
    ...(factor > 1 && job.slowdown ? { slowdown: job.slowdown } : {}),
    backend,
    device: describeDevice(backend),
    modelHash: manifest.hash,
    now: job.now,
    onPhase: async (phase, done, total) => {
      job.onProgress(profileProgress(phase, done, total), phase);
      await yieldToBrowser();
    },
  });
  const profile = toCached(fresh, manifest.hash, factor);
  saveProfile(storage, profile);
  return { profile, fromCache: false };
}

/** The shipped stand-in device profile, for when profiling this device failed. */
export async function shippedDeviceLatency(
  cause: string,
  modelFiles = '/model/',
): Promise<LatencyModel> {
  const res = await fetch(`${modelFiles}profiles/device.json`);
  if (!res.ok) {
    throw new Error(
      `profiling failed (${cause}) and no shipped device profile (HTTP ${res.status})`,
    );
  }
  return ((await res.json()) as { latency: LatencyModel }).latency;
}

function describeDevice(backend: string): string {
  const ua = navigator.userAgent.match(/(HeadlessChrome|Chrome|Firefox|Safari)\/[\d.]+/)?.[0];
  return `${ua ?? 'browser'} on ${navigator.platform || 'unknown platform'}, ${navigator.hardwareConcurrency ?? '?'} cores, tfjs ${backend}`;
}
