import { describe, expect, it } from 'vitest';
import {
  type CachedProfile,
  loadProfile,
  profileKey,
  type StorageLike,
  saveProfile,
} from '../src/runtime/profile-cache';

const HASH_A = `sha256:${'a'.repeat(64)}`;
const HASH_B = `sha256:${'b'.repeat(64)}`;

function memoryStorage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

function profile(backend: string, modelHash: string): CachedProfile {
  return {
    version: 1,
    backend,
    modelHash,
    device: 'test device',
    tfjs: '4.22.0',
    createdAt: '2026-01-01T00:00:00.000Z',
    durationMs: 4938,
    chosen: 'product+call',
    latency: {
      backend,
      device: 'test device',
      kinds: { relu: { intercept: 0.01, weights: [1e-6] } },
    },
    slices: { within10: 0.95, mape: 2.4, n: 121 },
  };
}

describe('profile cache', () => {
  it('keys profiles by backend and model hash', () => {
    expect(profileKey('wasm', HASH_A)).toBe(`edgent/device-profile/v1/wasm/${HASH_A}`);
    expect(profileKey('wasm', HASH_A)).not.toBe(profileKey('webgl', HASH_A));
    expect(profileKey('wasm', HASH_A)).not.toBe(profileKey('wasm', HASH_B));
  });

  it('gives back what it kept, for that backend and model only', () => {
    const storage = memoryStorage();
    expect(saveProfile(storage, profile('wasm', HASH_A))).toBe(true);
    expect(loadProfile(storage, 'wasm', HASH_A)).toEqual(profile('wasm', HASH_A));
    expect(loadProfile(storage, 'webgl', HASH_A)).toBeUndefined();
    expect(loadProfile(storage, 'wasm', HASH_B)).toBeUndefined();
  });

  it('keeps a profile per simulated device speed: a slowed device is another device', () => {
    const storage = memoryStorage();
    saveProfile(storage, profile('wasm', HASH_A));
    saveProfile(storage, { ...profile('wasm', HASH_A), slowdown: 16, durationMs: 80_000 });
    expect(profileKey('wasm', HASH_A, 16)).toBe(`edgent/device-profile/v1/wasm-x16/${HASH_A}`);
    expect(loadProfile(storage, 'wasm', HASH_A)?.durationMs).toBe(
      profile('wasm', HASH_A).durationMs,
    );
    expect(loadProfile(storage, 'wasm', HASH_A, 16)?.durationMs).toBe(80_000);
    expect(loadProfile(storage, 'wasm', HASH_A, 4)).toBeUndefined();
  });

  it('keeps one profile per backend side by side', () => {
    const storage = memoryStorage();
    saveProfile(storage, profile('wasm', HASH_A));
    saveProfile(storage, { ...profile('cpu', HASH_A), durationMs: 36_000 });
    expect(loadProfile(storage, 'wasm', HASH_A)?.durationMs).toBe(4938);
    expect(loadProfile(storage, 'cpu', HASH_A)?.durationMs).toBe(36_000);
  });

  it('drops an unreadable or foreign entry', () => {
    const storage = memoryStorage();
    storage.setItem(profileKey('wasm', HASH_A), '{not json');
    expect(loadProfile(storage, 'wasm', HASH_A)).toBeUndefined();
    expect(storage.map.size).toBe(0);
    // Stored under this key but made for another backend: not trusted.
    storage.setItem(profileKey('wasm', HASH_A), JSON.stringify(profile('webgl', HASH_A)));
    expect(loadProfile(storage, 'wasm', HASH_A)).toBeUndefined();
    storage.setItem(
      profileKey('wasm', HASH_A),
      JSON.stringify({ ...profile('wasm', HASH_A), version: 0 }),
    );
    expect(loadProfile(storage, 'wasm', HASH_A)).toBeUndefined();
  });

  it('says so when the storage refuses to keep it', () => {
    const full: StorageLike = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    expect(saveProfile(full, profile('wasm', HASH_A))).toBe(false);
  });
});
