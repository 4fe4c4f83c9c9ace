import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { T } from '../../apps/web/src/testids';
import type { EdgentPage } from '../support/edgent-page';
import { expect, test } from '../support/test';

/** axe-core's serious and critical violations on the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Pins an edge-side plan (the last exit, cut in the middle) and classifies a test image with it. */
async function answerWithEdgeSidePlan(edgent: EdgentPage): Promise<void> {
  await edgent.classifyGalleryItem(0);
  const { exit, layers } = (await edgent.result()).plan;
  await edgent.pinPlan(exit, Math.floor(layers / 2));
  const shown = await edgent.classifyGalleryItem(1);
  expect(shown.plan.partition).toBeLessThan(shown.plan.layers);
}

test('axe-core finds no serious or critical violation: idle, after an edge-side answer, with a form error', async ({
  edgent,
  page,
}) => {
  test.setTimeout(120_000);
  await edgent.open();
  await edgent.waitConnected();
  expect(await seriousViolations(page), 'idle page').toEqual([]);

  await answerWithEdgeSidePlan(edgent);
  expect(await seriousViolations(page), 'after an answer with an edge-side plan').toEqual([]);

  await edgent.id(T.linkMode).selectOption('fixed');
  await edgent.id(T.linkRate).fill('');
  await edgent.id(T.linkApply).click();
  await expect(edgent.id(T.linkRate)).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#link-rate-error')).toContainText('rate must be');
  expect(await seriousViolations(page), 'with a form error').toEqual([]);
});

test('a skip link leads past the gallery to the answer', async ({ edgent, page }) => {
  await edgent.open();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the answer' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#result')).toBeFocused();
});
