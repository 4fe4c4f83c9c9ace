/**
 * The session handler over an in-memory channel pair, with the device's
 * EdgeClient on the other end and an in-process stand-in for the pool.
 */
import { DeviceError, EdgeClient } from '@edgent/device';
import {
  type Channel,
  decodeFrame,
  encodeControl,
  encodeFrame,
  type Frame,
  memoryPair,
  modelPrefixOf,
  parseControl,
  readErrorFrame,
} from '@edgent/protocol';
import { describe, expect, it } from 'vitest';
import { openSession, type RequestRecord, type SessionDeps } from '../src/session.js';

type InferenceJob = Parameters<SessionDeps['infer']>[0];

const model = { id: 'tiny', hash: `sha256:${'ab'.repeat(32)}` };
const prefix = modelPrefixOf(model.hash);
const limits = { maxPayloadBytes: 4096, maxInFlight: 2, requestTimeoutMs: 5_000, maxBatch: 4 };

/** A pool stand-in: scores are the payload's first bytes; exit 9 is a bad exit; partition 99 never answers. */
function fakeInfer(job: InferenceJob, signal: AbortSignal) {
  if (job.exit === 9) {
    return Promise.reject(
      Object.assign(new Error('exit 9 out of range: model tiny has exits 0..1'), {
        code: 'EDGENT_ERR_BAD_EXIT',
      }),
    );
  }
  if (job.partition === 99) {
    return new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error('aborted'))),
    );
  }
  const scores = Float32Array.from(job.payload.slice(0, 3));
  return Promise.resolve({
    scores,
    shape: [1, scores.length],
    timing: { queueMs: 1, decodeMs: 2, computeMs: 3 },
  });
}

function setup(overrides: Partial<SessionDeps> = {}) {
  const [device, edge] = memoryPair();
  const records: RequestRecord[] = [];
  const errors: string[] = [];
  const links: unknown[] = [];
  openSession(edge, {
    models: [model],
    infer: fakeInfer,
    limits,
    now: () => performance.now(),
    setLink: async (s) => {
      links.push(s);
    },
    profile: async () => ({ format: 'edgent-profile/2', backend: 'fake' }),
    onRequest: (r) => records.push(r),
    onError: (code) => errors.push(code),
    ...overrides,
  });
  return { device, records, errors, links };
}

const connect = (device: Channel, m = model) =>
  EdgeClient.connect(device, { model: m, now: () => performance.now(), timeoutMs: 2_000 });

/** Sends raw bytes and waits for the next binary reply. */
function rawExchange(device: Channel, bytes: Uint8Array): Promise<Frame> {
  return new Promise((resolve) => {
    device.onMessage((m) => {
      if (typeof m === 'string') return;
      const d = decodeFrame(m);
      if (d.ok) resolve(d.value);
    });
    device.send(bytes);
  });
}

const request = (fields: Partial<Frame> = {}): Frame => ({
  type: 'request',
  flags: 0,
  requestId: 5,
  modelPrefix: prefix,
  exit: 1,
  partition: 2,
  dtype: 'uint8',
  shape: [4],
  payload: Uint8Array.from([7, 8, 9, 10]),
  ...fields,
});

describe('a session', () => {
  it('accepts a hello for its model and answers a request with scores and times', async () => {
    const { device, records } = setup();
    const client = await connect(device);
    expect(client.hello).toMatchObject({ modelId: 'tiny', maxPayloadBytes: 4096 });
    const reply = await client.request({
      exit: 1,
      partition: 2,
      dtype: 'uint8',
      shape: [4],
      payload: Uint8Array.from([7, 8, 9, 10]),
    });
    expect([...reply.scores]).toEqual([7, 8, 9]);
    expect(reply.timing).toEqual({ queueMs: 1, decodeMs: 2, computeMs: 3 });
    expect(reply.bytesUp).toBe(72 + 4);
    expect(reply.bytesDown).toBe(72 + 12);
    expect(records).toMatchObject([{ exit: 1, partition: 2, ok: true, computeMs: 3 }]);
  });

  it('refuses a hello for another model with a clear error', async () => {
    const { device } = setup();
    const other = { id: 'tiny', hash: `sha256:${'cd'.repeat(32)}` };
    const refused = await connect(device, other).catch((e: DeviceError) => e);
    expect(refused).toBeInstanceOf(DeviceError);
    expect((refused as DeviceError).code).toBe('EDGENT_ERR_MODEL_MISMATCH');
    expect((refused as DeviceError).message).toMatch(/this edge serves tiny \(sha256:abab/);
  });

  it('on an edge with several models, the hello chooses one: its requests run on it and carry its prefix', async () => {
    const camera = { id: 'camera', hash: `sha256:${'cd'.repeat(32)}` };
    const jobs: InferenceJob[] = [];
    const { device } = setup({
      models: [model, camera],
      infer: (job, signal) => {
        jobs.push(job);
        return fakeInfer(job, signal);
      },
    });
    const client = await connect(device, camera);
    expect(client.hello).toMatchObject({ modelId: 'camera', modelHash: camera.hash });
    await client.request({
      exit: 1,
      partition: 2,
      dtype: 'uint8',
      shape: [4],
      payload: Uint8Array.from([1, 2, 3, 4]),
    });
    expect(jobs.map((j) => j.model)).toEqual(['camera']);
    // A frame for the other served model is not this session's.
    const reply = await rawExchange(device, encodeFrame(request({ requestId: 6 })));
    expect(reply.type).toBe('error');
    expect(readErrorFrame(reply)).toMatchObject({
      ok: true,
      value: { code: 'EDGENT_ERR_MODEL_MISMATCH' },
    });
  });

  it('answers frames before hello with EDGENT_ERR_NO_HELLO', async () => {
    const { device } = setup();
    const reply = await rawExchange(device, encodeFrame(request()));
    expect(reply.type).toBe('error');
    expect(reply.requestId).toBe(5);
    const body = readErrorFrame(reply);
    expect(body.ok && body.value.code).toBe('EDGENT_ERR_NO_HELLO');
  });

  it('answers every bad frame with a coded error frame and goes on serving', async () => {
    const { device, errors } = setup();
    const client = await connect(device);
    const good = encodeFrame(request());
    const tooLarge = encodeFrame(
      request({ shape: [5000], payload: new Uint8Array(5000), requestId: 6 }),
    );
    const cases: [Uint8Array, string][] = [
      [good.slice(0, 40), 'EDGENT_ERR_FRAME_TRUNCATED'],
      [Uint8Array.from([1, 2, 3, 4, 5]), 'EDGENT_ERR_FRAME_BAD_MAGIC'],
      [tooLarge, 'EDGENT_ERR_FRAME_TOO_LARGE'],
      [Uint8Array.from([...good, 0]), 'EDGENT_ERR_FRAME_LENGTH_MISMATCH'],
      [encodeFrame(request({ modelPrefix: '0123456789abcdef' })), 'EDGENT_ERR_MODEL_MISMATCH'],
      [encodeFrame(request({ exit: 9 })), 'EDGENT_ERR_BAD_EXIT'],
      [
        encodeFrame({
          ...request(),
          type: 'result',
          timing: { queueMs: 0, decodeMs: 0, computeMs: 0 },
        }),
        'EDGENT_ERR_UNEXPECTED_MESSAGE',
      ],
    ];
    for (const [bytes, code] of cases) {
      const reply = await rawExchange(device, bytes);
      const body = readErrorFrame(reply);
      expect(body.ok && body.value.code, code).toBe(code);
    }
    expect(errors).toEqual(cases.map(([, code]) => code));
    // The oversized frame's id was read from its header.
    const again = await rawExchange(device, tooLarge);
    expect(again.requestId).toBe(6);
    // And it still serves a good request on the same connection.
    const ok = await rawExchange(device, good);
    expect(ok.type).toBe('result');
    expect(client.hello.modelId).toBe('tiny');
  });

  it('limits requests in flight per connection, and times out a request that never ends', async () => {
    const { device } = setup({ limits: { ...limits, maxInFlight: 1, requestTimeoutMs: 50 } });
    const client = await connect(device);
    const stuck = client.request({
      exit: 0,
      partition: 99,
      dtype: 'uint8',
      shape: [1],
      payload: Uint8Array.from([1]),
    });
    const second = client.request({
      exit: 0,
      partition: 1,
      dtype: 'uint8',
      shape: [1],
      payload: Uint8Array.from([1]),
    });
    await expect(second).rejects.toMatchObject({ code: 'EDGENT_ERR_TOO_MANY_IN_FLIGHT' });
    await expect(stuck).rejects.toMatchObject({ code: 'EDGENT_ERR_TIMEOUT' });
    // The slot is free again.
    const third = await client.request({
      exit: 0,
      partition: 1,
      dtype: 'uint8',
      shape: [1],
      payload: Uint8Array.from([4]),
    });
    expect([...third.scores]).toEqual([4]);
  });

  it('answers probes, applies link settings, serves the profile, and refuses bad control text', async () => {
    const { device, links } = setup();
    const client = await connect(device);
    const probe = await client.probe(1000);
    expect(probe.bytesUp).toBe(1072);
    expect(probe.bytesDown).toBe(72);
    await client.setLink({ type: 'link', mode: 'fixed', rateBps: 1e6, delayMs: 10 });
    expect(links).toEqual([{ type: 'link', mode: 'fixed', rateBps: 1e6, delayMs: 10 }]);
    expect(await client.profile()).toMatchObject({ backend: 'fake' });
    const reply = new Promise<string>((resolve) =>
      device.onMessage((m) => {
        if (typeof m === 'string') resolve(m);
      }),
    );
    device.send('{"type":"link","mode":"fixed"}');
    const parsed = parseControl(await reply);
    expect(parsed.ok && parsed.value).toMatchObject({
      type: 'error',
      code: 'EDGENT_ERR_CONTROL_INVALID',
      message: expect.stringMatching(/link\.rateBps/),
    });
  });

  it('passes a link setting the edge cannot apply back as a coded error', async () => {
    const { device } = setup({
      setLink: async () => {
        throw Object.assign(new Error('no trace named nope'), { code: 'EDGENT_ERR_NO_TRACE' });
      },
    });
    const client = await connect(device);
    await expect(
      client.setLink({ type: 'link', mode: 'trace', trace: 'nope' }),
    ).rejects.toMatchObject({ code: 'EDGENT_ERR_NO_TRACE' });
  });

  it('rejects pending requests when the connection closes', async () => {
    const { device } = setup();
    const client = await connect(device);
    const pending = client.request({
      exit: 0,
      partition: 99,
      dtype: 'uint8',
      shape: [1],
      payload: Uint8Array.from([1]),
    });
    device.send(encodeControl({ type: 'profileRequest' }));
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'EDGENT_ERR_CLOSED' });
  });

  it('passes an error without a code of ours (a file-system EISDIR) on as EDGENT_ERR_BAD_LINK, never throwing', async () => {
    const { device } = setup({
      setLink: async () => {
        throw Object.assign(new Error('illegal operation on a directory'), { code: 'EISDIR' });
      },
    });
    const client = await connect(device);
    await expect(client.setLink({ type: 'link', mode: 'trace', trace: 'x' })).rejects.toMatchObject(
      { code: 'EDGENT_ERR_BAD_LINK' },
    );
  });

  it('aborts the work of its requests when the device closes', async () => {
    const signals: AbortSignal[] = [];
    const { device } = setup({
      infer: (job, signal) => {
        signals.push(signal);
        return fakeInfer({ ...job, partition: 99 }, signal);
      },
    });
    const client = await connect(device);
    const pending = client.request({
      exit: 0,
      partition: 1,
      dtype: 'uint8',
      shape: [1],
      payload: Uint8Array.from([1]),
    });
    pending.catch(() => {});
    await new Promise((r) => setTimeout(r, 10));
    expect(signals).toHaveLength(1);
    client.close();
    await new Promise((r) => setTimeout(r, 10));
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toMatchObject({ code: 'EDGENT_ERR_CLOSED' });
  });

  it('drains: refuses new requests with EDGENT_ERR_GOING_AWAY, answers those in flight, and at the deadline the rest', async () => {
    const [device, edge] = memoryPair();
    let release: (() => void) | undefined;
    const session = openSession(edge, {
      models: [model],
      limits,
      now: () => performance.now(),
      infer: (job, signal) =>
        job.partition === 99
          ? fakeInfer(job, signal)
          : new Promise<void>((r) => {
              release = r;
            }).then(() => fakeInfer(job, signal)),
    });
    const client = await connect(device);
    const fields = { exit: 0, dtype: 'uint8' as const, shape: [1], payload: Uint8Array.from([4]) };
    const slow = client.request({ ...fields, partition: 1 });
    const stuck = client.request({ ...fields, partition: 99 });
    await new Promise((r) => setTimeout(r, 10));
    expect(session.inFlight).toBe(2);
    const drained = session.drain(performance.now() + 100);
    await expect(client.request({ ...fields, partition: 1 })).rejects.toMatchObject({
      code: 'EDGENT_ERR_GOING_AWAY',
    });
    release?.();
    expect([...(await slow).scores]).toEqual([4]);
    await expect(stuck).rejects.toMatchObject({ code: 'EDGENT_ERR_GOING_AWAY' });
    await drained;
    expect(session.inFlight).toBe(0);
  });

  it('ends the session of a frame over maxBatch with EDGENT_ERR_BATCH_TOO_LARGE and 1008', async () => {
    const { device, records } = setup();
    const client = await connect(device);
    expect(client.hello).toMatchObject({ maxBatch: 4, maxInFlight: 2 });
    const closed = new Promise<[number, string]>((resolve) =>
      device.onClose((code, reason) => resolve([code, reason])),
    );
    const frame = await rawExchange(
      device,
      encodeFrame(request({ shape: [5, 1], payload: new Uint8Array(5) })),
    );
    expect(readErrorFrame(frame)).toMatchObject({
      ok: true,
      value: { code: 'EDGENT_ERR_BATCH_TOO_LARGE' },
    });
    expect(await closed).toEqual([1008, 'EDGENT_ERR_BATCH_TOO_LARGE']);
    expect(records).toMatchObject([{ ok: false, code: 'EDGENT_ERR_BATCH_TOO_LARGE' }]);
  });
});
