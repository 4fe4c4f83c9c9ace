import type { Locator, Page } from '@playwright/test';
import { T } from '../../apps/web/src/testids';
import { lanLaunchOptions } from '../support/origins';
import { expect, test } from '../support/test';

// Phones: touch, device scale 3, and Chromium's fake camera.
test.use({
  launchOptions: lanLaunchOptions(),
  hasTouch: true,
  isMobile: true,
  deviceScaleFactor: 3,
});

/** Whether `locator`'s whole box lies inside the viewport, without scrolling. */
async function inViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const size = page.viewportSize();
  if (!box || !size) return false;
  return (
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= size.width &&
    box.y + box.height <= size.height &&
    box.width > 0
  );
}

for (const size of [
  { width: 375, height: 667 },
  { width: 360, height: 740 },
]) {
  test.describe(`at ${size.width}x${size.height}`, () => {
    test.use({ viewport: size });

    test('a tapped test image shows its class and confidence without scrolling; the camera preview and its class are on screen together', async ({
      edgent,
      page,
    }) => {
      test.setTimeout(120_000);
      await edgent.open();
      await edgent.waitConnected();
      const scrollBefore = await page.evaluate(() => window.scrollY);
      const before = await edgent.request();
      await edgent.id(T.galleryItem(0)).tap();
      const result = await edgent.nextResult(before);
      // Read after the answer landed: nothing scrolled, and the bar shows this answer.
      expect(await page.evaluate(() => window.scrollY)).toBe(scrollBefore);
      await expect(edgent.id(T.resultBar)).toHaveAttribute('data-request', String(result.request));
      const cls = edgent.id(T.resultBarClass);
      await expect(cls).toHaveText(result.className);
      expect(await inViewport(page, cls), 'the class is in view').toBe(true);
      expect(await inViewport(page, edgent.id(T.resultBarConfidence)), 'its confidence too').toBe(
        true,
      );

      await edgent.id(T.cameraStart).tap();
      await expect(edgent.id(T.cameraStatus)).toHaveText('on');
      const streamed = await edgent.nextResult(await edgent.request());
      await expect(edgent.id(T.resultBar)).toHaveAttribute('data-request', /\d+/);
      expect(streamed.request).toBeGreaterThan(result.request);
      const video = edgent.id(T.cameraVideo);
      await expect(video).toBeVisible();
      expect(await inViewport(page, video), 'the camera preview is in view').toBe(true);
      expect(await inViewport(page, cls), 'with its class').toBe(true);
      await edgent.id(T.cameraStop).tap();
      await expect(edgent.id(T.cameraStatus)).toHaveText('off');
    });
  });
}

test.describe('at 1280x800 without touch', () => {
  test.use({
    viewport: { width: 1280, height: 800 },
    hasTouch: false,
    isMobile: false,
    deviceScaleFactor: 1,
  });

  test('the camera preview and its class are on screen together', async ({ edgent, page }) => {
    await edgent.open();
    await edgent.waitConnected();
    await edgent.id(T.cameraStart).click();
    await expect(edgent.id(T.cameraStatus)).toHaveText('on');
    await edgent.nextResult(await edgent.request());
    expect(await inViewport(page, edgent.id(T.cameraVideo))).toBe(true);
    expect(await inViewport(page, edgent.id(T.resultBarClass))).toBe(true);
    await edgent.id(T.cameraStop).click();
  });
});
