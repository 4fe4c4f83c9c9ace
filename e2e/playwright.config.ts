import { defineConfig } from '@playwright/test';
import { launchOptions } from './support/chromium';

/**
 * End-to-end tests: Debian's Chromium (never a downloaded browser) against
 * the real edge serving the built page (docs/testing.md). One worker: the
 * machine has two cores, and the edge and the page's profiling need them.
 *
 * Two projects, both run by default: `wasm` (every test but WebGPU's) and
 * `webgpu`, whose Chromium also gets `--enable-unsafe-webgpu`; without a GPU
 * it then offers SwiftShader's software adapter.
 */

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './support/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  // The whole run, global setup included, stays under the test stage's share of CI time.
  globalTimeout: 14 * 60_000,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: launchOptions(),
    trace: 'off',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'wasm',
      testIgnore: /webgpu\.spec\.ts/,
    },
    {
      name: 'webgpu',
      testMatch: /webgpu\.spec\.ts/,
      use: {
        launchOptions: launchOptions(['--enable-unsafe-webgpu']),
      },
    },
  ],
});
