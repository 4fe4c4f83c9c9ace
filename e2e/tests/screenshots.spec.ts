import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { T } from '../../apps/web/src/testids';
import { type RunningEdge, startEdge } from '../support/edge';
import { GREY_MODEL, withModel } from '../support/edgent-page';
import { screenshotsDir } from '../support/paths';
import { expect, test } from '../support/test';

/**
 * Pictures of the page for people to look at (e2e/screenshots/), at a desktop
 * and a phone size: the first visit while it profiles, an answer with an
 * edge-side plan, the candidates the planner weighed, the charts after link
 * changes, and the offline notice. Each step also checks what it shows.
 */

const SIZES = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, phone: false },
  { name: 'phone', viewport: { width: 375, height: 667 }, phone: true },
] as const;

/** Opens the collapsible panel whose heading has `headingId` (collapsed on phones). */
async function openPanel(page: Page, headingId: string): Promise<void> {
  await page.evaluate((id) => {
    const details = document.getElementById(id)?.closest('details');
    if (details) details.open = true;
  }, headingId);
}

for (const size of SIZES) {
  test.describe(size.name, () => {
    test.use({
      viewport: size.viewport,
      hasTouch: size.phone,
      isMobile: size.phone,
      deviceScaleFactor: size.phone ? 2 : 1,
    });

    test(`screenshots at ${size.viewport.width}x${size.viewport.height}`, async ({
      edgent,
      page,
    }) => {
      test.setTimeout(180_000);
      mkdirSync(screenshotsDir, { recursive: true });
      const shot = (what: string, fullPage = false) =>
        page.screenshot({ path: join(screenshotsDir, `${what}-${size.name}.png`), fullPage });
      // Its own edge, which the last step stops.
      let edge: RunningEdge | undefined = await startEdge();
      try {
        await page.goto(withModel(edge.url, GREY_MODEL));
        await expect(edgent.id(T.stageStatus)).toHaveAttribute('data-stage', 'profiling', {
          timeout: 30_000,
        });
        await expect(
          edgent.id(T.stageStatus).getByRole('progressbar', { name: 'Profiling this device' }),
        ).toBeVisible();
        await shot('first-visit-profiling');
        await edgent.waitProfiled();
        await edgent.waitConnected();

        // An answer with an interior plan: pinned from the candidates.
        const first = await edgent.classifyGalleryItem(0);
        const partition = Math.floor(first.plan.layers / 2);
        await edgent.pinPlan(first.plan.exit, partition);
        const interior = await edgent.classifyGalleryItem(3);
        expect(interior.plan).toMatchObject({ partition, online: true });
        await page.evaluate(() => window.scrollTo(0, 0));
        await shot('answer-interior-plan');

        await edgent.id(T.candidate(interior.plan.exit, partition)).scrollIntoViewIfNeeded();
        await expect(edgent.id(T.candidate(interior.plan.exit, partition))).toHaveAttribute(
          'data-chosen',
          'true',
        );
        await shot('candidates');

        // The charts after two link changes and a few answers at each.
        await openPanel(page, 'controls-h');
        await edgent.id(T.unpin).click();
        await openPanel(page, 'link-h');
        for (const preset of ['paper-1.5m', 'paper-300k']) {
          await edgent.id(T.linkPreset(preset)).click();
          await expect(edgent.id(T.linkApplied)).toContainText('kbit/s');
          for (let i = 0; i < 3; i++) await edgent.classifyGalleryItem(i);
        }
        await openPanel(page, 'charts-h');
        await expect(edgent.id(T.chartEvents)).toHaveAttribute('data-count', /^[2-9]|\d\d/);
        await page.locator('#charts-h').scrollIntoViewIfNeeded();
        await shot('charts');

        // The edge goes away: the notice, and answers on the device.
        await edge.stop();
        edge = undefined;
        await expect(edgent.id(T.edgeNotice)).toBeVisible({ timeout: 30_000 });
        await page.evaluate(() => window.scrollTo(0, 0));
        await shot('offline-notice');
      } finally {
        await edge?.stop();
      }
    });
  });
}
