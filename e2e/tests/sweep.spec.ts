import { readFile } from 'node:fs/promises';
import { LINK_PRESETS } from '../../apps/web/src/edge/link-settings';
import { T } from '../../apps/web/src/testids';
import { expect, test } from '../support/test';

test('the page sweeps the link presets, one row per preset with what it measured, and exports it', async ({
  edgent,
  page,
}) => {
  test.setTimeout(240_000);
  await edgent.open();
  await edgent.waitConnected();
  await edgent.id(T.sweepImages).fill('2');
  await edgent.id(T.sweepRun).click();
  await expect(edgent.id(T.sweepStatus)).toHaveText('done', { timeout: 200_000 });
  await expect(edgent.id(T.sweepTable)).toHaveAttribute('data-rows', String(LINK_PRESETS.length));
  const rows = await Promise.all(
    LINK_PRESETS.map(async (_, i) => ({
      preset: await edgent.id(T.sweepRow(i)).getAttribute('data-preset'),
      estimate: Number(await edgent.id(T.sweepRow(i)).getAttribute('data-estimate-bps')),
    })),
  );
  expect(rows.map((r) => r.preset)).toEqual(LINK_PRESETS.map((p) => p.label));
  // The page measured each link (it is never told the rate): the paper's 50 kbit/s below Wi-Fi.
  const slowest = rows[0]?.estimate ?? Number.NaN;
  const wifi = rows.find((r) => r.preset === 'Wi-Fi')?.estimate ?? Number.NaN;
  expect(slowest).toBeGreaterThan(0);
  expect(wifi).toBeGreaterThan(10 * slowest);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    edgent.id(T.sweepCsv).click(),
  ]);
  const csv = await readFile((await download.path()) as string, 'utf8');
  expect(csv.trimEnd().split('\r\n')).toHaveLength(1 + 5 * LINK_PRESETS.length);
});
