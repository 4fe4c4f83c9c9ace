import { describe, expect, it } from 'vitest';
import {
  availableBackends,
  BACKEND_PRIORITY,
  backendOrder,
  pickBackend,
} from '../src/runtime/backend';
import {
  type Capabilities,
  describeCapabilities,
  detectCapabilities,
} from '../src/runtime/capabilities';
import {
  GPU_PROFILE,
  PAGE_PROFILE,
  profileProgress,
  profileSettingsFor,
} from '../src/runtime/profile-settings';

const caps = (patch: Partial<Capabilities> = {}): Capabilities => ({
  webgpu: false,
  wasm: true,
  wasmSimd: true,
  wasmThreads: true,
  crossOriginIsolated: true,
  webglVersion: 2,
  cores: 2,
  ...patch,
});

describe('capabilities', () => {
  it('detects once into a frozen record', async () => {
    const c = await detectCapabilities({
      WebAssembly: { validate: () => true },
      SharedArrayBuffer: class {},
      crossOriginIsolated: true,
      navigator: { hardwareConcurrency: 8, gpu: { requestAdapter: async () => ({}) } },
      document: { createElement: () => ({ getContext: (id) => (id === 'webgl2' ? {} : null) }) },
    });
    expect(c).toEqual({
      webgpu: true,
      wasm: true,
      wasmSimd: true,
      wasmThreads: true,
      crossOriginIsolated: true,
      webglVersion: 2,
      cores: 8,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads a failing probe as missing, and threads need cross-origin isolation', async () => {
    const c = await detectCapabilities({
      WebAssembly: {
        validate: () => {
          throw new Error('no');
        },
      },
      SharedArrayBuffer: class {},
      crossOriginIsolated: false,
      navigator: {
        gpu: {
          requestAdapter: async () => {
            throw new Error('blocked');
          },
        },
      },
    });
    expect(c).toMatchObject({
      webgpu: false,
      wasmSimd: false,
      wasmThreads: false,
      webglVersion: 0,
      cores: 1,
    });
    expect(describeCapabilities(c)).toBe(
      'WASM (no SIMD, no threads) · no WebGL · no WebGPU · 1 core',
    );
  });
});

describe('backend choice', () => {
  it('orders what is available by priority, wasm first', () => {
    expect(BACKEND_PRIORITY[0]).toBe('wasm');
    expect(availableBackends(caps())).toEqual(['wasm', 'webgl', 'cpu']);
    expect(availableBackends(caps({ webgpu: true, wasm: false, webglVersion: 0 }))).toEqual([
      'webgpu',
      'cpu',
    ]);
  });

  it('puts the stored choice first when it is available', () => {
    expect(backendOrder(caps(), 'webgl')).toEqual(['webgl', 'wasm', 'cpu']);
    expect(backendOrder(caps(), 'webgpu')).toEqual(['wasm', 'webgl', 'cpu']);
  });

  it('falls back in order, logging each failure', async () => {
    const logs: string[] = [];
    const tried: string[] = [];
    const r = await pickBackend(
      ['wasm', 'webgl', 'cpu'],
      async (name) => {
        tried.push(name);
        if (name !== 'cpu') throw new Error(`${name} broke`);
      },
      (m) => logs.push(m),
    );
    expect(r).toEqual({
      backend: 'cpu',
      fallbacks: [
        { backend: 'wasm', reason: 'wasm broke' },
        { backend: 'webgl', reason: 'webgl broke' },
      ],
    });
    expect(tried).toEqual(['wasm', 'webgl', 'cpu']);
    expect(logs).toEqual([
      'Edgent: tfjs backend wasm failed (wasm broke); falling back to webgl',
      'Edgent: tfjs backend webgl failed (webgl broke); falling back to cpu',
    ]);
  });

  it('fails with every reason when nothing starts', async () => {
    await expect(
      pickBackend(
        ['wasm'],
        async () => Promise.reject(new Error('no')),
        () => {},
      ),
    ).rejects.toThrow('no tfjs backend could start: wasm: no');
  });
});

describe('profiling settings', () => {
  it('uses at least the 8 configurations per kind the fits need, fewer rounds on GPUs', () => {
    expect(PAGE_PROFILE.perKind).toBeGreaterThanOrEqual(8);
    expect(profileSettingsFor('wasm')).toBe(PAGE_PROFILE);
    expect(profileSettingsFor('cpu')).toBe(PAGE_PROFILE);
    expect(profileSettingsFor('webgpu')).toBe(GPU_PROFILE);
    expect(GPU_PROFILE.runs).toBeLessThan(PAGE_PROFILE.runs);
  });

  it('maps both phases onto one 0..100 bar', () => {
    expect(profileProgress('layers', 0, 17)).toBe(0);
    expect(profileProgress('layers', 17, 17)).toBe(30);
    expect(profileProgress('model', 0, 17)).toBe(30);
    expect(profileProgress('model', 17, 17)).toBe(100);
    const all = [
      ...Array.from({ length: 18 }, (_, i) => profileProgress('layers', i, 17)),
      ...Array.from({ length: 18 }, (_, i) => profileProgress('model', i, 17)),
    ];
    expect(all).toEqual([...all].sort((a, b) => a - b));
  });
});
