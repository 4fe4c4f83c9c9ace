import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/** Files the global setup makes for the tests (test images, the camera video). */
export const fixturesDir: string = fileURLToPath(new URL('../../.cache/e2e/', import.meta.url));

/** Screenshots of the page that a run writes for people to look at. */
export const screenshotsDir: string = fileURLToPath(new URL('../screenshots/', import.meta.url));
