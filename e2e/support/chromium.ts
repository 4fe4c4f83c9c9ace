import type { LaunchOptions } from '@playwright/test';

/**
 * How the tests launch Chromium (docs/testing.md): Debian's build, never a
 * downloaded one, headless, with a fresh user-data dir (Playwright makes one
 * per launch).
 */

const chromiumPath: string = process.env.EDGENT_E2E_CHROMIUM ?? '/usr/bin/chromium';

const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launch options with `extraArgs` after the standard ones. */
export function launchOptions(extraArgs: readonly string[] = []): LaunchOptions {
  return { executablePath: chromiumPath, args: [...chromiumArgs, ...extraArgs] };
}
