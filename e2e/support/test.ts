import { test as base, expect } from '@playwright/test';
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
    // The edge serves the page with a Content-Security-Policy: anything it blocks is a bug.
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    await use(new EdgentPage(page));
    expect(blocked, 'Content-Security-Policy violations').toEqual([]);
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from its first parameter's pattern.
  data: async ({}, use) => {
    await use(readFixtures());
  },
});

export { expect };
