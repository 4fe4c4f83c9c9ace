import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { T } from '../../apps/web/src/testids';
import { expectPromiseKept } from '../support/breakdown';
import { launchOptions } from '../support/chromium';
import { fixturesDir, screenshotsDir } from '../support/paths';
import { expect, test } from '../support/test';

// Chromium's fake camera plays a video of test images (made by the global setup), and
// the fake permission prompt allows it.
test.use({
  launchOptions: launchOptions([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${join(fixturesDir, 'camera.y4m')}`,
  ]),
});

const ANSWERS = 8;
/** Answers the online calibration is given before the promise is checked. */
const CALIBRATING = 4;
/** Long enough for the looping video (1.5 s per image) to show two images and more. */
const VIDEO_WAIT_MS = 20_000;

test('the camera gives a stream of classifications', async ({ edgent, page, data }) => {
  test.setTimeout(120_000);
  await edgent.open();
  await edgent.waitConnected();
  await expect(edgent.id(T.cameraStatus)).toHaveText('off');

  const countBefore = await edgent.answerCount().catch(() => 0);
  await edgent.id(T.cameraStart).click();
  await expect(edgent.id(T.cameraStatus)).toHaveText('on');

  // Answers keep arriving without anything else being done, each a valid class, and
  // they follow the video: it shows each of its images for 1.5 s, in a loop.
  const videoClasses = new Set(data.videoLabels.map((label) => data.classNames[label]));
  const seen = new Set<string>();
  let answers = 0;
  let request = await edgent.request();
  const end = Date.now() + VIDEO_WAIT_MS;
  const recognisedCount = () => [...seen].filter((c) => videoClasses.has(c)).length;
  while ((answers < ANSWERS || recognisedCount() < 2) && Date.now() < end) {
    const result = await edgent.nextResult(request);
    expect(result.label).toBeGreaterThanOrEqual(0);
    expect(result.label).toBeLessThan(data.classNames.length);
    expect(result.className).toBe(data.classNames[result.label]);
    seen.add(result.className);
    request = result.request;
    answers++;
  }
  test.info().annotations.push({
    type: 'classes',
    description: `${answers} answers: ${[...seen].join(', ')} (the video shows ${[...videoClasses].join(', ')})`,
  });
  expect(answers).toBeGreaterThanOrEqual(ANSWERS);
  expect(await edgent.answerCount()).toBeGreaterThanOrEqual(countBefore + answers);
  expect(recognisedCount(), 'classes of the video the stream recognised').toBeGreaterThanOrEqual(2);

  // The page's promise, answer by answer: once its online calibration has seen a few answers,
  // what each took is what it predicted, in the median.
  await expectPromiseKept(edgent, CALIBRATING, ANSWERS - CALIBRATING);

  // The page mid-stream, as a person sees it on a desktop and on a phone: the first screen,
  // and the whole page.
  mkdirSync(screenshotsDir, { recursive: true });
  for (const [name, size] of [
    ['camera-desktop', { width: 1280, height: 800 }],
    ['camera-phone', { width: 375, height: 667 }],
  ] as const) {
    await page.setViewportSize(size);
    await page.evaluate(() => window.scrollTo(0, 0));
    await edgent.nextResult(await edgent.request());
    await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
    await page.screenshot({ path: join(screenshotsDir, `${name}-full.png`), fullPage: true });
  }
  await expect(edgent.id(T.cameraStatus)).toHaveText('on');

  await edgent.id(T.cameraStop).click();
  await expect(edgent.id(T.cameraStatus)).toHaveText('off');
  // Stopped means stopped: no answer arrives for a while after the last one in flight.
  const stoppedAt = await edgent.request();
  await page.waitForTimeout(1500);
  const settled = await edgent.request();
  await page.waitForTimeout(1500);
  expect(await edgent.request(), 'answers after camera-stop').toBe(settled);
  expect(settled - stoppedAt).toBeLessThanOrEqual(2);
});
