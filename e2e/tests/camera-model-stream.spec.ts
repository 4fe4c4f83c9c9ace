import { T } from '../../apps/web/src/testids';
import {
  CAMERA_MODEL,
  cameraModelShipped,
  cameraModelVideo,
  readCameraModelFixtures,
} from '../support/camera-model-fixtures';
import { launchOptions } from '../support/chromium';
import { expect, test } from '../support/test';

// Chromium's fake camera plays a colour video of composed test frames (made by the global
// setup), and the fake permission prompt allows it.
test.use({
  launchOptions: launchOptions([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${cameraModelVideo}`,
  ]),
});
test.skip(!cameraModelShipped(), `models/${CAMERA_MODEL} is not shipped`);

const ANSWERS = 8;
const VIDEO_WAIT_MS = 30_000;

test('the camera streams composed frames to the camera model, which recognises them', async ({
  edgent,
}) => {
  test.setTimeout(120_000);
  const fixtures = readCameraModelFixtures();
  await edgent.open('/', CAMERA_MODEL);
  await edgent.waitConnected();
  await edgent.id(T.cameraStart).click();
  await expect(edgent.id(T.cameraStatus)).toHaveText('on');
  const videoClasses = new Set(fixtures.videoLabels.map((l) => fixtures.classNames[l]));
  const seen = new Map<string, number>();
  let answers = 0;
  let request = await edgent.request();
  const end = Date.now() + VIDEO_WAIT_MS;
  const recognised = () => [...seen.keys()].filter((c) => videoClasses.has(c)).length;
  while ((answers < ANSWERS || recognised() < 2) && Date.now() < end) {
    const result = await edgent.nextResult(request);
    seen.set(result.className, (seen.get(result.className) ?? 0) + 1);
    request = result.request;
    answers++;
  }
  test.info().annotations.push({
    type: 'classes',
    description: `${answers} answers: ${[...seen].map(([c, n]) => `${c} x${n}`).join(', ')} (the video shows ${[...videoClasses].join(', ')})`,
  });
  expect(answers).toBeGreaterThanOrEqual(ANSWERS);
  expect(recognised(), 'classes of the video the stream recognised').toBeGreaterThanOrEqual(2);
  await edgent.id(T.cameraStop).click();
  await expect(edgent.id(T.cameraStatus)).toHaveText('off');
});
