import { T } from '../../apps/web/src/testids';
import { type RunningEdge, startEdge } from '../support/edge';
import { expect, test } from '../support/test';

test('answers on the device while the edge is down, and co-infers again once it is back', async ({
  edgent,
}) => {
  test.setTimeout(150_000);
  // This test stops its own edge, on its own port, not the one the others use.
  let edge: RunningEdge | undefined = await startEdge();
  const port = edge.port;
  try {
    await edgent.open(edge.url);
    await edgent.waitConnected();
    const before = await edgent.classifyGalleryItem(0);
    expect(before.plan.online).toBe(true);
    await expect(edgent.id(T.edgeNotice)).toHaveCount(0);

    await edge.stop();
    edge = undefined;
    await expect(edgent.id(T.edgeNotice)).toBeVisible();
    await expect(edgent.id(T.edgeStatus)).not.toHaveText('connected');
    // The link estimate on show predates the loss, and says so.
    await expect(edgent.id(T.bandwidthStale)).toBeVisible();
    // Requests keep being answered, each on the device alone.
    let last = before.request;
    for (let i = 1; i <= 4; i++) {
      const result = await edgent.classifyGalleryItem(i);
      expect(result.request).toBeGreaterThan(last);
      expect(result.plan.online, `request ${result.request} while the edge is down`).toBe(false);
      expect(result.plan.partition, 'the device runs the whole exit path').toBe(result.plan.layers);
      last = result.request;
    }
    await expect(edgent.id(T.edgeNotice)).toBeVisible();

    edge = await startEdge({ port });
    await edgent.waitConnected(45_000);
    await expect(edgent.id(T.edgeNotice)).toHaveCount(0);
    const after = await edgent.classifyUntil((result) => result.plan.online, {
      timeout: 30_000,
      message: 'an answer co-inferred with the restarted edge',
    });
    expect(after.request).toBeGreaterThan(last);
  } finally {
    await edge?.stop();
  }
});
