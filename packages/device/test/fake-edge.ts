import {
  describeModel,
  inputValues,
  type ModelSpec,
  type MultiExitModel,
  runSlice,
} from '@edgent/model';
import { tf } from '@edgent/model/node';
import {
  type Channel,
  decodeFrame,
  decodeTensor,
  encodeControl,
  encodeFrame,
  type LinkSettings,
  parseControl,
} from '@edgent/protocol';

/** What a fake edge saw. */
export interface FakeEdgeLog {
  links: LinkSettings[];
  probes: number;
  requests: number;
}

/**
 * An edge on `channel` as far as the device uses one: hello, link settings
 * (echoed, as the real edge confirms them), probes (answered at once) and
 * requests (the tail run on the same model, as the real one does; it reports
 * 0.3 ms of edge time).
 */
export function startFakeEdge(
  channel: Channel,
  model: MultiExitModel,
  spec: ModelSpec,
  hash: string,
): FakeEdgeLog {
  const log: FakeEdgeLog = { links: [], probes: 0, requests: 0 };
  channel.onMessage((m) => {
    if (typeof m === 'string') {
      const c = parseControl(m);
      if (!c.ok) throw c.error;
      if (c.value.type === 'link') {
        log.links.push(c.value);
        channel.send(encodeControl(c.value));
        return;
      }
      channel.send(
        encodeControl({
          type: 'helloOk',
          modelId: spec.id,
          modelHash: hash,
          protocolVersion: 1,
          maxPayloadBytes: 1 << 20,
        }),
      );
      return;
    }
    const decoded = decodeFrame(m);
    if (!decoded.ok) throw decoded.error;
    const f = decoded.value;
    if (f.type === 'probe') {
      log.probes++;
      channel.send(
        encodeFrame({
          ...f,
          type: 'probeReply',
          shape: [0],
          payload: new Uint8Array(0),
          timing: { queueMs: 0, decodeMs: 0, computeMs: 0 },
        }),
      );
      return;
    }
    log.requests++;
    const n = describeModel(spec)[f.exit]?.layers.length ?? 0;
    const values =
      f.dtype === 'uint8'
        ? inputValues(f.payload)
        : decodeTensor({
            dtype: f.dtype,
            shape: f.shape,
            payload: f.payload,
            ...(f.scale === undefined ? {} : { scale: f.scale }),
            ...(f.zeroPoint === undefined ? {} : { zeroPoint: f.zeroPoint }),
          });
    const x = tf.tensor(values, [...f.shape]);
    const y = runSlice(model, f.exit, f.partition, n, x);
    const scores = y.dataSync() as Float32Array;
    x.dispose();
    y.dispose();
    channel.send(
      encodeFrame({
        ...f,
        type: 'result',
        dtype: 'float32',
        shape: [1, scores.length],
        payload: new Uint8Array(scores.buffer),
        timing: { queueMs: 0, decodeMs: 0.1, computeMs: 0.2 },
      }),
    );
  });
  return log;
}
