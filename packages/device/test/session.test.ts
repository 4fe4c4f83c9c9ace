import { beforeAll, describe, expect, it } from 'vitest';
import type { EdgeProfile } from '../src/edge-profile';
import { PROBE_EVERY_MS } from '../src/link-policy';
import { DeviceSession } from '../src/session';
import { tinyModel } from './tiny-model';

const tiny = tinyModel([12, 12, 1], 'c', 2);
const { manifest, flat } = tiny;

let model: Awaited<ReturnType<typeof tiny.load>>;
const image = Uint8Array.from({ length: 144 }, (_, i) => (i * 53) % 256);

beforeAll(async () => {
  model = await tiny.load();
});

/** A clock that can be moved forward (the link policy's ages), on top of real time. */
function clock() {
  let skew = 0;
  return { now: () => performance.now() + skew, skip: (ms: number) => (skew += ms) };
}

/** A new connection to a fresh fake edge, as EdgeConnection hands one over. */
const connect = (now: () => number) => tiny.connect(model, now);

/** Waits until the session's queue has run everything queued so far. */
const settled = (session: DeviceSession) => session.queue.run(async () => {});

function session(now: () => number, edgeProfile?: () => Promise<EdgeProfile>) {
  const events = { link: 0, profiles: [] as EdgeProfile[] };
  const s = new DeviceSession({
    now,
    ...(edgeProfile ? { edgeProfile } : {}),
    onLink: () => events.link++,
    onEdgeProfile: (p) => events.profiles.push(p),
  });
  return { s, events };
}

const load = (s: DeviceSession) =>
  s.load({ model, manifest, device: flat(20, 'slow device'), edge: flat(0.05, 'fast edge') });

describe('DeviceSession', () => {
  it('answers on the device before any edge, and says so', async () => {
    const { now } = clock();
    const { s } = session(now);
    await expect(s.classify(image, 100)).rejects.toMatchObject({ code: 'EDGENT_ERR_NO_MODEL' });
    await load(s);
    // The warm-up timed each exit path once: the device's first calibration (a profile of 20 ms a
    // layer is far slower than this machine).
    const device = s.co?.calibration.side('device');
    expect(device?.samples).toBe(s.co?.paths.length);
    expect(device?.median).toBeLessThan(0.5);
    const r = await s.classify(image, 100);
    expect(r.online).toBe(false);
    expect(r.plan.partition).toBe(s.co?.paths[r.plan.exit]?.layers.length);
  });

  it('measures the link on a new connection and probes again only when the estimate is old', async () => {
    const c = clock();
    const { s, events } = session(c.now);
    await load(s);
    const { client, edge } = await connect(c.now);
    s.attach(client);
    await settled(s);
    expect(edge.probes).toBeGreaterThan(0);
    expect(events.link).toBeGreaterThan(0);
    expect(s.co?.rttMs).toBeDefined();
    expect(s.co?.bandwidth).toBeDefined();
    // Just measured: no probe due.
    const probes = edge.probes;
    expect(await s.probeIfDue(100)).toBe(false);
    expect(edge.probes).toBe(probes);
    // Old: a probe round.
    c.skip(4 * PROBE_EVERY_MS);
    expect(await s.probeIfDue(100)).toBe(true);
    expect(edge.probes).toBeGreaterThan(probes);
    s.close();
  });

  it('asks each new connection for the link the person set, and the edge profile again after a reconnection', async () => {
    const c = clock();
    let fetched = 0;
    const slowEdge = flat(30, 'the edge, re-profiled');
    const { s, events } = session(c.now, async () => {
      fetched++;
      return { backend: 'fake', device: 'edge', latency: slowEdge };
    });
    await load(s);
    const first = await connect(c.now);
    s.attach(first.client);
    const settings = { type: 'link', mode: 'fixed', rateBps: 2e6, delayMs: 3 } as const;
    const m = await s.setLink(settings);
    expect(m?.complete).toBe(true);
    expect(first.edge.links).toEqual([settings]);
    expect(s.link).toEqual(settings);
    expect(fetched).toBe(0);
    const split = { exit: 1, partition: 2 };
    const before = s.co?.plan(1000, split).plan.predicted.edge ?? Number.NaN;

    // The connection is lost: requests are answered on the device meanwhile.
    first.client.close();
    s.attach(undefined);
    expect((await s.classify(image, 1000)).online).toBe(false);

    const second = await connect(c.now);
    s.attach(second.client);
    await settled(s);
    expect(second.edge.links).toEqual([settings]);
    expect(fetched).toBe(1);
    expect(events.profiles).toHaveLength(1);
    // The new profile is what the planner uses: the edge's time for the same plan grew.
    const after = s.co?.plan(1000, split).plan.predicted.edge ?? Number.NaN;
    expect(after).toBeGreaterThan(before + 10);
    const r = await s.classify(image, 1000);
    expect(r.online).toBe(true);
    s.close();
  });

  it('runs the plan `choose` gives when the request comes up, through the edge', async () => {
    const c = clock();
    const { s } = session(c.now);
    await load(s);
    const { client, edge } = await connect(c.now);
    s.attach(client);
    const r = await s.classify(image, 1000, () => ({ exit: 1, partition: 2 }));
    expect(r.online).toBe(true);
    expect([r.plan.exit, r.plan.partition]).toEqual([1, 2]);
    expect(edge.requests).toBe(1);
    s.close();
  });

  it('refuses a link change without an edge', async () => {
    const { s } = session(clock().now);
    await load(s);
    await expect(s.setLink({ type: 'link', mode: 'off' })).rejects.toMatchObject({
      code: 'EDGENT_ERR_CLOSED',
    });
  });
});
