import {
  describeModel,
  initialWeights,
  type ModelManifest,
  type ModelSpec,
  type MultiExitModel,
  modelFromWeights,
  seededRng,
  tinyMultiExit,
} from '@edgent/model';
import { useBackend } from '@edgent/model/node';
import type { LatencyModel } from '@edgent/planner';
import { memoryPair } from '@edgent/protocol';
import { EdgeClient } from '../src/edge-client';
import { type FakeEdgeLog, startFakeEdge } from './fake-edge';

/**
 * A tiny two-exit model for the device's tests: its manifest (exit accuracies
 * 0.8 and 0.9), latency models that give every layer the same time, the model
 * on the cpu backend, and a connection to a fake edge running its tail.
 */
export interface TinyModel {
  spec: ModelSpec;
  manifest: ModelManifest;
  /** Every layer takes `ms` on this side (predicted by name). */
  flat(ms: number, name?: string): LatencyModel;
  /** The model with seeded weights (on the cpu backend, started once). */
  load(): Promise<MultiExitModel>;
  /** A client of a fresh fake edge for `model`, as a connection hands one over. */
  connect(
    model: MultiExitModel,
    now?: () => number,
  ): Promise<{ client: EdgeClient; edge: FakeEdgeLog }>;
}

export function tinyModel(
  input: [number, number, number],
  hashDigit: string,
  seed: number,
): TinyModel {
  const spec = tinyMultiExit(3, input);
  const hash = `sha256:${hashDigit.repeat(64)}`;
  const manifest = {
    format: 'edgent-model/1',
    id: spec.id,
    hash,
    architecture: spec,
    weightsManifest: [],
    evaluation: {
      dataset: 'fake',
      split: 'test',
      count: 1,
      backend: 'cpu',
      exits: [
        { exit: 0, name: 'early', accuracy: 0.8, correct: 8, count: 10 },
        { exit: 1, name: 'final', accuracy: 0.9, correct: 9, count: 10 },
      ],
    },
  } as ModelManifest;
  return {
    spec,
    manifest,
    flat(ms, name = 'fake') {
      const layerMs: Record<string, number> = {};
      for (const p of describeModel(spec)) for (const l of p.layers) layerMs[l.name] = ms;
      return { backend: 'fake', device: name, kinds: {}, layerMs };
    },
    async load() {
      await useBackend('cpu');
      return modelFromWeights(spec, initialWeights(spec, seededRng(seed)));
    },
    async connect(model, now = () => performance.now()) {
      const [device, edgeSide] = memoryPair();
      const edge = startFakeEdge(edgeSide, model, spec, hash);
      const client = await EdgeClient.connect(device, { model: { id: spec.id, hash }, now });
      return { client, edge };
    },
  };
}
