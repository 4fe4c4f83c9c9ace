import { test as base } from '@playwright/test';
import { EdgentPage } from './edgent-page';
import { type Fixtures, readFixtures } from './fixtures-data';

/**
 * Playwright's `test` with the edge the global setup started as `baseURL`,
 * the page as `edgent`, and the test images as `data`.
 */
export const test = base.extend<{ edgent: EdgentPage; data: Fixtures }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from its first parameter's pattern.
  baseURL: async ({}, use) => {
    const url = process.env.EDGENT_E2E_BASE_URL;
    if (!url) throw new Error('EDGENT_E2E_BASE_URL is unset: run through playwright.config.ts');
    await use(url);
  },
  edgent: async ({ page }, use) => {
    await use(new EdgentPage(page));
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from its first parameter's pattern.
  data: async ({}, use) => {
    await use(readFixtures());
  },
});

export { expect } from '@playwright/test';
