import { T } from '../../apps/web/src/testids';
import { lanHttpsUrl, lanHttpUrl, lanLaunchOptions } from '../support/origins';
import { expect, test } from '../support/test';

// A phone on the LAN: the edge by a host name that is not localhost. Over HTTPS the test accepts
// the edge's self-signed certificate, as a person does once per device.
test.use({ launchOptions: lanLaunchOptions(), ignoreHTTPSErrors: true });

test('at a LAN HTTPS origin the page is isolated with WASM threads, streams the camera and co-infers with the edge', async ({
  edgent,
  page,
}) => {
  test.setTimeout(150_000);
  await edgent.open(lanHttpsUrl());
  await edgent.waitConnected();
  const context = await page.evaluate(() => ({
    secure: isSecureContext,
    isolated: crossOriginIsolated,
    origin: location.origin,
  }));
  expect(context).toEqual({ secure: true, isolated: true, origin: lanHttpsUrl().slice(0, -1) });
  await expect(edgent.id(T.backend)).toHaveText('wasm');
  await expect(page.getByText('threads on')).toBeVisible();
  await expect(edgent.id(T.contextNotice)).toHaveCount(0);

  // The camera streams (Chromium's fake device plays the test video).
  await edgent.id(T.cameraStart).click();
  await expect(edgent.id(T.cameraStatus)).toHaveText('on');
  let request = await edgent.request();
  for (let i = 0; i < 3; i++) request = (await edgent.nextResult(request)).request;

  // Co-inference over wss: pin an edge-side plan from the candidates and see the edge run it.
  await edgent.id(T.cameraStop).click();
  await expect(edgent.id(T.cameraStatus)).toHaveText('off');
  const { exit, layers } = (await edgent.result()).plan;
  const partition = Math.floor(layers / 2);
  await edgent.pinPlan(exit, partition);
  const shown = await edgent.classifyGalleryItem(0);
  expect(shown.plan).toMatchObject({ exit, partition, online: true });
  const edgeMs = Number(await edgent.id(T.measured('edge')).getAttribute('data-ms'));
  expect(edgeMs, 'the edge computed part of the answer').toBeGreaterThan(0);
});

test('at a plain-HTTP LAN origin the page starts, classifies a test image and offers the HTTPS address', async ({
  edgent,
  page,
  data,
}) => {
  test.setTimeout(120_000);
  await edgent.open(lanHttpUrl());
  expect(
    await page.evaluate(() => ({ secure: isSecureContext, isolated: crossOriginIsolated })),
  ).toEqual({ secure: false, isolated: false });
  const notice = edgent.id(T.contextNotice);
  await expect(notice).toBeVisible();
  await expect(notice).toHaveAttribute('data-missing', 'the camera,WASM threads');
  await expect(edgent.id(T.httpsLink)).toHaveAttribute('href', lanHttpsUrl());
  await expect(edgent.id(T.cameraStart)).toBeDisabled();
  await expect(edgent.id(T.backend)).toHaveText('wasm');
  await expect(page.getByText('threads off')).toBeVisible();

  const label = Number(await edgent.id(T.galleryItem(0)).getAttribute('data-label'));
  const result = await edgent.classifyGalleryItem(0);
  expect(result.label).toBe(label);
  expect(result.className).toBe(data.classNames[label]);
});
