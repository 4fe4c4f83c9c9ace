/**
 * The link emulator on a fake clock: exact timing at a fixed rate, FIFO
 * queueing per direction, setting changes, trace replay (sample boundaries,
 * zero-rate gaps, looping, scale), close; the emulated channel over a memory
 * pair; trace files found and read by name.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BandwidthTrace, meanRateBetween } from '@edgent/planner';
import { type Channel, type ChannelMessage, memoryPair } from '@edgent/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgeError } from '../src/errors.js';
import { emulatedChannel, messageBytes } from '../src/link/emulated-channel.js';
import { type Direction, LinkEmulator, type LinkSetting } from '../src/link/emulator.js';
import { listTraces, loadTrace } from '../src/link/traces.js';
import { type FakeClock, fakeClock } from './fake-clock.js';

let clock: FakeClock;
let link: LinkEmulator;

beforeEach(() => {
  clock = fakeClock(5_000);
  link = new LinkEmulator(clock);
});

/** Schedules a message and records the clock's time when it arrives, relative to now. */
function send(direction: Direction, bytes: number, arrivals: number[], origin = clock.now()): void {
  link.schedule(direction, bytes, () => arrivals.push(clock.now() - origin));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof EdgeError ? error.code : `not an EdgeError: ${String(error)}`;
  }
  return undefined;
}

describe('LinkEmulator bounds (issue 10)', () => {
  it('refuses rates, delays and scales outside what a link setting may ask for', () => {
    const trace: BandwidthTrace = { t: [0, 1], mbps: [1, 2] };
    expect(codeOf(() => link.set({ mode: 'fixed', rateBps: 1 }))).toBe('EDGENT_ERR_BAD_LINK');
    expect(codeOf(() => link.set({ mode: 'fixed', rateBps: 1e11 }))).toBe('EDGENT_ERR_BAD_LINK');
    expect(codeOf(() => link.set({ mode: 'fixed', rateBps: 1e6, delayMs: 60_001 }))).toBe(
      'EDGENT_ERR_BAD_LINK',
    );
    expect(codeOf(() => link.set({ mode: 'trace', trace, scale: 1e-300 }))).toBe(
      'EDGENT_ERR_BAD_LINK',
    );
    expect(codeOf(() => link.set({ mode: 'trace', trace, scale: 0.001 }))).toBeUndefined();
  });

  it('never sets a timer Node would turn into 1 ms: a message weeks away waits in steps, then arrives on time', () => {
    const waits: number[] = [];
    const spy = {
      ...clock,
      setTimeout: (fn: () => void, ms: number) => {
        waits.push(ms);
        return clock.setTimeout(fn, ms);
      },
    };
    const slow = new LinkEmulator(spy);
    // 0.001 Mbit/s scaled by 0.001: 1 bit/s, so 1 MB takes about 93 days.
    slow.set({ mode: 'trace', trace: { t: [0], mbps: [0.001] }, scale: 0.001 });
    const arrivals: number[] = [];
    const origin = clock.now();
    slow.schedule('down', 1e6, () => arrivals.push(clock.now() - origin));
    expect(slow.queuedBytes('down')).toBe(1e6);
    expect(Math.max(...waits)).toBeLessThanOrEqual(2 ** 31 - 1);
    clock.advance(8e9 - 1);
    expect(arrivals).toEqual([]);
    clock.advance(1);
    expect(arrivals).toEqual([8e9]);
    expect(slow.queuedBytes()).toBe(0);
    expect(waits.length).toBeLessThan(10);
  });
});

describe('LinkEmulator at a fixed rate', () => {
  it('holds a message for bytes*8/rate plus the delay, exactly', () => {
    link.set({ mode: 'fixed', rateBps: 8_000, delayMs: 50 });
    const arrivals: number[] = [];
    send('down', 1_000, arrivals);
    expect(link.transitMs('down', 1_000)).toBe(2_050); // queued behind the first
    clock.advance(1_049.5);
    expect(arrivals).toEqual([]);
    clock.advance(0.5);
    expect(arrivals).toEqual([1_050]);
    expect(clock.pending()).toBe(0);
  });

  it('queues back-to-back messages FIFO: each starts when the previous finished transmitting', () => {
    link.set({ mode: 'fixed', rateBps: 8_000, delayMs: 100 });
    const origin = clock.now();
    const arrivals: number[] = [];
    send('up', 1_000, arrivals, origin);
    send('up', 500, arrivals, origin);
    send('up', 1_000, arrivals, origin);
    clock.advance(2_000); // the link is busy until 2500
    send('up', 250, arrivals, origin);
    clock.advance(10_000);
    // The delay overlaps transmission (pipelined), it does not add up per message.
    expect(arrivals).toEqual([1_100, 1_600, 2_600, 2_850]);
    clock.advance(1_000); // idle link: the next message starts at once
    const later = clock.now();
    send('up', 1_000, arrivals, later);
    clock.advance(5_000);
    expect(arrivals.at(-1)).toBe(1_100);
  });

  it('keeps the two directions independent', () => {
    link.set({ mode: 'fixed', rateBps: 8_000 });
    const up: number[] = [];
    const down: number[] = [];
    send('up', 1_000, up);
    send('up', 1_000, up);
    send('down', 500, down);
    clock.advance(3_000);
    expect(up).toEqual([1_000, 2_000]);
    expect(down).toEqual([500]);
  });

  it('applies a new setting to messages scheduled after it, keeping earlier ones and the order', () => {
    link.set({ mode: 'fixed', rateBps: 8_000, delayMs: 1_000 });
    const origin = clock.now();
    const arrivals: number[] = [];
    send('down', 1_000, arrivals, origin); // ends 1000, arrives 2000
    link.set({ mode: 'fixed', rateBps: 16_000 }); // no delay from now on
    send('down', 200, arrivals, origin); // starts 1000, ends 1100: must still wait for the first
    send('down', 2_000, arrivals, origin); // starts 1100, ends 2100
    clock.advance(5_000);
    expect(arrivals).toEqual([2_000, 2_000, 2_100]);
    expect(link.setting).toEqual({ mode: 'fixed', rateBps: 16_000 });
  });

  it('delivers synchronously when off and nothing is queued, else after what is queued', () => {
    expect(link.setting).toEqual({ mode: 'off' });
    const order: string[] = [];
    link.schedule('down', 1e9, () => order.push('a'));
    expect(order).toEqual(['a']);
    link.set({ mode: 'fixed', rateBps: 8_000 });
    link.schedule('down', 1_000, () => order.push('b'));
    link.set({ mode: 'off' });
    link.schedule('down', 1_000, () => order.push('c'));
    link.schedule('up', 1_000, () => order.push('up'));
    expect(order).toEqual(['a', 'up']);
    expect(link.transitMs('down', 1e6)).toBe(1_000);
    clock.advance(1_000);
    expect(order).toEqual(['a', 'up', 'b', 'c']);
    link.schedule('down', 1_000, () => order.push('d'));
    expect(order).toEqual(['a', 'up', 'b', 'c', 'd']);
    expect(clock.pending()).toBe(0);
  });

  it('keeps delivering after a deliver callback throws', () => {
    link.set({ mode: 'fixed', rateBps: 8_000 });
    const arrivals: number[] = [];
    link.schedule('up', 1_000, () => {
      throw new Error('handler failed');
    });
    send('up', 1_000, arrivals);
    expect(() => clock.advance(1_000)).toThrow('handler failed');
    clock.advance(1_000);
    expect(arrivals).toEqual([2_000]);
  });

  it('cancels everything on close and drops later messages', () => {
    link.set({ mode: 'fixed', rateBps: 8_000 });
    const arrivals: number[] = [];
    send('up', 1_000, arrivals);
    send('down', 1_000, arrivals);
    expect(clock.pending()).toBe(2);
    link.close();
    link.close();
    expect(link.closed).toBe(true);
    expect(clock.pending()).toBe(0);
    send('up', 10, arrivals);
    link.set({ mode: 'off' });
    send('down', 10, arrivals);
    clock.advance(10_000);
    expect(arrivals).toEqual([]);
  });
});

describe('LinkEmulator replaying a trace', () => {
  // 1 Mbit/s in [0,1) s, 2 Mbit/s in [1,2), 0 in [2,3); then it loops. 125 kB = 1 Mbit.
  const trace: BandwidthTrace = { t: [0, 1, 2], mbps: [1, 2, 0] };

  it.each([
    ['within the first sample', 62_500, 500],
    ['to the first boundary exactly', 125_000, 1_000],
    ['across a boundary', 250_000, 1_500],
    ['through the zero-rate gap and around the loop', 500_000, 4_000],
    ['over a whole loop', 625_000, 4_500],
  ])('integrates the rate %s', (_what, bytes, ms) => {
    link.set({ mode: 'trace', trace, delayMs: 20 });
    expect(link.transitMs('down', bytes)).toBeCloseTo(ms + 20, 6);
    const arrivals: number[] = [];
    send('down', bytes, arrivals);
    clock.advance(ms + 19.99);
    expect(arrivals).toEqual([]);
    clock.advance(0.02);
    expect(arrivals).toHaveLength(1);
    expect(arrivals[0]).toBeCloseTo(ms + 20, 6);
  });

  it('starts the trace when it is set and reads later messages at their start time', () => {
    clock.advance(123_456);
    link.set({ mode: 'trace', trace });
    const origin = clock.now();
    const arrivals: number[] = [];
    send('up', 125_000, arrivals, origin); // [0, 1000)
    send('up', 125_000, arrivals, origin); // 2 Mbit/s: [1000, 1500)
    clock.advance(1_700);
    send('up', 125_000, arrivals, origin); // 2 Mbit/s until 2000 (0.6 Mbit), 0 until 3000, then 1 Mbit/s
    clock.advance(10_000);
    expect(arrivals).toHaveLength(3);
    expect(arrivals[0]).toBeCloseTo(1_000, 6);
    expect(arrivals[1]).toBeCloseTo(1_500, 6);
    expect(arrivals[2]).toBeCloseTo(3_400, 6);
  });

  it('multiplies the rates by the scale factor', () => {
    link.set({ mode: 'trace', trace, scale: 0.5 });
    // 0.5 Mbit in [0,1) s at 0.5 Mbit/s, the other 0.5 Mbit at 1 Mbit/s.
    expect(link.transitMs('down', 125_000)).toBeCloseTo(1_500, 6);
    link.set({ mode: 'trace', trace, scale: 4 });
    expect(link.transitMs('down', 125_000)).toBeCloseTo(250, 6);
  });

  it('is unaffected by later changes to the trace object it was given', () => {
    const mine: BandwidthTrace = { t: [0], mbps: [1] };
    link.set({ mode: 'trace', trace: mine });
    mine.mbps[0] = 1_000;
    expect(link.transitMs('up', 125_000)).toBeCloseTo(1_000, 6);
  });
});

describe('LinkEmulator settings', () => {
  const trace: BandwidthTrace = { t: [0, 1], mbps: [1, 0] };
  const bad: [string, LinkSetting, RegExp][] = [
    ['zero rate', { mode: 'fixed', rateBps: 0 }, /rateBps.*got 0/],
    ['negative rate', { mode: 'fixed', rateBps: -5 }, /rateBps.*got -5/],
    ['infinite rate', { mode: 'fixed', rateBps: Number.POSITIVE_INFINITY }, /rateBps/],
    ['NaN rate', { mode: 'fixed', rateBps: Number.NaN }, /rateBps.*NaN/],
    ['negative delay', { mode: 'fixed', rateBps: 1, delayMs: -1 }, /delayMs.*got -1/],
    ['NaN delay', { mode: 'trace', trace, delayMs: Number.NaN }, /delayMs/],
    ['zero scale', { mode: 'trace', trace, scale: 0 }, /scale.*got 0/],
    ['all-zero trace', { mode: 'trace', trace: { t: [0, 1], mbps: [0, 0] } }, /all 0/],
    ['empty trace', { mode: 'trace', trace: { t: [], mbps: [] } }, /at least one/],
    ['ragged trace', { mode: 'trace', trace: { t: [0, 1], mbps: [1] } }, /2 times and 1 rates/],
    ['unsorted trace', { mode: 'trace', trace: { t: [0, 2, 1], mbps: [1, 1, 1] } }, /sample 2/],
    ['negative rate in trace', { mode: 'trace', trace: { t: [0], mbps: [-1] } }, /sample 0/],
    ['unknown mode', { mode: 'warp' } as unknown as LinkSetting, /off, fixed, trace.*warp/],
  ];

  it.each(bad)(
    'rejects %s with EDGENT_ERR_BAD_LINK and keeps the setting',
    (_what, setting, message) => {
      link.set({ mode: 'fixed', rateBps: 1_000 });
      expect(codeOf(() => link.set(setting))).toBe('EDGENT_ERR_BAD_LINK');
      expect(() => link.set(setting)).toThrow(message);
      expect(link.setting).toEqual({ mode: 'fixed', rateBps: 1_000 });
    },
  );

  it('rejects a message size that is not a finite number >= 0', () => {
    for (const bytes of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(codeOf(() => link.schedule('up', bytes, () => {}))).toBe('EDGENT_ERR_BAD_LINK');
    }
  });
});

/** Lets queued microtasks (memoryPair's delivery) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function collect(channel: Channel): ChannelMessage[] {
  const got: ChannelMessage[] = [];
  channel.onMessage((m) => got.push(m));
  return got;
}

describe('emulatedChannel', () => {
  let device: Channel;
  let edge: Channel;

  beforeEach(() => {
    const [deviceEnd, edgeEnd] = memoryPair();
    device = deviceEnd;
    edge = emulatedChannel(edgeEnd, link);
    link.set({ mode: 'fixed', rateBps: 8_000, delayMs: 10 });
  });

  it("holds the device's messages 'up' before the edge's handler sees them", async () => {
    const atEdge = collect(edge);
    device.send(new Uint8Array(1_000));
    device.send('x');
    await settle();
    clock.advance(1_009);
    await settle();
    expect(atEdge).toEqual([]);
    clock.advance(1);
    expect(atEdge).toEqual([new Uint8Array(1_000)]);
    clock.advance(1); // 1 byte: 1 ms more
    expect(atEdge).toEqual([new Uint8Array(1_000), 'x']);
  });

  it("holds the edge's messages 'down', sending a copy taken at send time", async () => {
    const atDevice = collect(device);
    const frame = new Uint8Array(1_000).fill(7);
    expect(edge.send(frame)).toBe(true);
    frame.fill(0);
    await settle();
    expect(atDevice).toEqual([]);
    clock.advance(1_010);
    await settle();
    expect(atDevice).toEqual([new Uint8Array(1_000).fill(7)]);
  });

  it('counts a string by its UTF-8 length', async () => {
    expect(messageBytes('é')).toBe(2);
    expect(messageBytes(new Uint8Array(3))).toBe(3);
    const atDevice = collect(device);
    edge.send('é'.repeat(500)); // 1000 bytes
    clock.advance(1_009);
    await settle();
    expect(atDevice).toEqual([]);
    clock.advance(1);
    await settle();
    expect(atDevice).toEqual(['é'.repeat(500)]);
  });

  it('holds messages that crossed before the edge set a handler', async () => {
    link.set({ mode: 'off' });
    device.send('early');
    await settle();
    const atEdge = collect(edge);
    device.send('late');
    await settle();
    expect(atEdge).toEqual(['early', 'late']);
  });

  it("reports the device's close once, after the messages it sent before closing", async () => {
    const events: string[] = [];
    edge.onMessage((m) => events.push(`message ${typeof m === 'string' ? m : m.byteLength}`));
    edge.onClose((code, reason) => events.push(`close ${code} ${reason}`));
    device.send(new Uint8Array(1_000));
    device.close(4000, 'done');
    await settle();
    expect(edge.closed).toBe(true);
    expect(edge.send('too late')).toBe(false);
    expect(events).toEqual([]);
    clock.advance(1_010);
    await settle();
    expect(events).toEqual(['message 1000', 'close 4000 done']);
    expect(link.closed).toBe(true);
  });

  it('closes the device end and the emulator when the edge closes, dropping what is in flight', async () => {
    const atDevice = collect(device);
    const deviceCloses: number[] = [];
    device.onClose((code) => deviceCloses.push(code));
    const edgeCloses: number[] = [];
    edge.onClose((code) => edgeCloses.push(code));
    edge.send(new Uint8Array(100));
    edge.close(4001, 'bye');
    edge.close(4002, 'again');
    expect(link.closed).toBe(true);
    expect(clock.pending()).toBe(0);
    await settle();
    clock.advance(10_000);
    await settle();
    expect(atDevice).toEqual([]);
    expect(deviceCloses).toEqual([4001]);
    expect(edgeCloses).toEqual([4001]);
  });

  it("reports the device's close at once when the edge closes while it is crossing", async () => {
    const edgeCloses: number[] = [];
    edge.onClose((code) => edgeCloses.push(code));
    device.send(new Uint8Array(1_000));
    device.close(4000, 'done');
    await settle();
    edge.close(4001, 'bye');
    await settle();
    expect(edgeCloses).toEqual([4000]);
  });
});

describe('trace files', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgent-traces-'));
    await writeFile(join(dir, 'b-walk.tsv'), '0\t1\n1\t2\n');
    await writeFile(join(dir, 'a_bus.1.tsv'), '# a comment\n0\t0.5\n');
    await writeFile(join(dir, 'notes.txt'), 'not a trace');
    await writeFile(join(dir, 'broken.tsv'), '0\tfast\n');
    await writeFile(join(dir, 'bad name!.tsv'), '0\t1\n');
    await mkdir(join(dir, 'folder.tsv'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the .tsv files by name, sorted, without the extension', async () => {
    expect(await listTraces(dir)).toEqual(['a_bus.1', 'b-walk', 'broken']);
  });

  it('lists nothing in a folder that does not exist', async () => {
    expect(await listTraces(join(dir, 'missing'))).toEqual([]);
  });

  it('loads a trace by name', async () => {
    expect(await loadTrace(dir, 'b-walk')).toEqual({ t: [0, 1], mbps: [1, 2] });
    expect(await loadTrace(dir, 'a_bus.1')).toEqual({ t: [0], mbps: [0.5] });
  });

  it('gives EDGENT_ERR_NO_TRACE naming the folder and the available traces', async () => {
    const error = await loadTrace(dir, 'nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeError);
    expect((error as EdgeError).code).toBe('EDGENT_ERR_NO_TRACE');
    expect((error as EdgeError).message).toContain(dir);
    expect((error as EdgeError).message).toContain('a_bus.1, b-walk, broken');
  });

  it('says when the folder has no traces at all', async () => {
    const empty = join(dir, 'missing');
    await expect(loadTrace(empty, 'x')).rejects.toThrow(/no \.tsv traces/);
  });

  it.each(['../b-walk', 'sub/b-walk', '.hidden', '', 'a'.repeat(65), '/etc/passwd'])(
    'refuses the name %j as EDGENT_ERR_NO_TRACE without reading anything',
    async (name) => {
      await expect(loadTrace(dir, name)).rejects.toMatchObject({ code: 'EDGENT_ERR_NO_TRACE' });
    },
  );

  it('passes on the parse error of a malformed trace, naming the file and line', async () => {
    await expect(loadTrace(dir, 'broken')).rejects.toMatchObject({
      code: 'EDGENT_ERR_BAD_TRACE',
      message: expect.stringMatching(/broken\.tsv line 1/),
    });
  });
});

const realTraces = fileURLToPath(new URL('../../../traces/norway-hsdpa', import.meta.url));

describe('the real HSDPA traces shipped in traces/', () => {
  it('lists and loads them, and the emulator moves the bits the trace allows', async () => {
    const names = await listTraces(realTraces);
    expect(names.length).toBeGreaterThan(10);
    expect(names).toContain('norway_bus_1');
    const trace = await loadTrace(realTraces, 'norway_bus_1');
    expect(trace.t.length).toBeGreaterThan(100);
    const scale = 0.1;
    link.set({ mode: 'trace', trace, scale });
    for (const bytes of [10_000, 1_000_000]) {
      const seconds = link.transitMs('down', bytes) / 1000;
      const megabits = (bytes * 8) / 1e6;
      expect(seconds).toBeGreaterThanOrEqual(megabits / (Math.max(...trace.mbps) * scale));
      const moved = meanRateBetween(trace, 0, seconds, { atEnd: 'loop' }) * scale * seconds;
      expect(moved).toBeCloseTo(megabits, 6);
    }
  });
});
