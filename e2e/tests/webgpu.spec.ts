import { T } from '../../apps/web/src/testids';
import type { ShownResult } from '../support/edgent-page';
import { expect, test } from '../support/test';

// Runs in the `webgpu` project only: its Chromium has --enable-unsafe-webgpu, which
// without a GPU offers SwiftShader's software adapter.

const IMAGES = 4;

test('the WebGPU backend gives the same classes as WASM', async ({ edgent, page }) => {
  test.setTimeout(300_000);
  // The page's co-inference socket is refused, so the device runs every layer itself: the
  // backend under test computes each answer. Everything else comes from the edge as usual.
  await page.routeWebSocket(/\/ws(\?|$)/, (ws) => ws.close({ code: 1011, reason: 'e2e: no edge' }));
  await edgent.open();
  await expect(edgent.id(T.edgeStatus)).not.toHaveText('connected');
  const options = await edgent
    .id(T.backendSelect)
    .locator('option')
    .evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
  expect(options, 'backends the page offers').toEqual(expect.arrayContaining(['wasm', 'webgpu']));
  await edgent.setDeadline(Number((await edgent.id(T.deadline).getAttribute('max')) ?? 1000));

  const answers: Record<string, ShownResult[]> = {};
  for (const backend of ['wasm', 'webgpu']) {
    await edgent.id(T.backendSelect).selectOption(backend);
    await expect(edgent.id(T.backend)).toHaveText(backend, { timeout: 60_000 });
    // Profiling on SwiftShader's software WebGPU takes minutes here (110 to 170 s measured).
    await edgent.waitProfiled(240_000);
    const results: ShownResult[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const result = await edgent.classifyGalleryItem(i);
      expect(result.plan.online).toBe(false);
      expect(result.plan.partition, `${backend} runs the whole exit path`).toBe(result.plan.layers);
      results.push(result);
    }
    answers[backend] = results;
  }
  const summary = (results: ShownResult[] = []) =>
    results.map((r) => `${r.className} (exit ${r.plan.exit})`);
  test.info().annotations.push({
    type: 'classes',
    description: `wasm: ${summary(answers.wasm).join(', ')}; webgpu: ${summary(answers.webgpu).join(', ')}`,
  });
  expect(summary(answers.webgpu)).toEqual(summary(answers.wasm));
});
