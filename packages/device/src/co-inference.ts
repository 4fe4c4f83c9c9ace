import {
  type DeviceSlowdown,
  describeModel,
  inputTensor,
  type ModelManifest,
  type MultiExitModel,
  runSlice,
} from '@edgent/model';
import {
  type BandwidthEstimate,
  type BandwidthEstimator,
  type BaselineName,
  type Breakdown,
  type CompiledPlanner,
  compilePlanner,
  type Encoding,
  type LatencyModel,
  type Plan,
  type PlanInput,
  type PlannerPath,
  runBaselines,
} from '@edgent/planner';
import { encodeTensor, HEADER_BYTES } from '@edgent/protocol';
import * as tf from '@tensorflow/tfjs-core';
import { Calibration } from './calibration';
import type { EdgeClient } from './edge-client';
import { DeviceError } from './errors';
import { type LinkMeasurement, LinkPolicy, type LinkSample, planSensitive } from './link-policy';

/**
 * The device side of Edgent, shared by the page and `edgent device`: it
 * measures its link to the edge (transfers and idle probes), plans with the
 * shared planner, runs the head of the chosen exit path, sends the
 * intermediate tensor, and reports the predicted and measured breakdown.
 * Without an edge it answers from the device-only plan that fits best.
 */

/** What one classification did. */
export interface Classification {
  label: number;
  confidence: number;
  scores: Float32Array;
  plan: Plan;
  /** Measured, ms; the parts sum to `total`. Upload and download split the measured transfer time in the plan's predicted proportion. */
  measured: Breakdown;
  /** The link estimate the plan used (undefined: none yet, or offline). */
  bandwidth?: BandwidthEstimate;
  /** false when the edge was unreachable and the device-only plan answered. */
  online: boolean;
  /** What each baseline would have chosen for the same inputs. */
  baselines: Record<BaselineName, Plan>;
  /** The planner's inputs for this request (bandwidth, RTT, deadline): see {@link CoInference.candidates}. */
  input: PlanInput;
}

/** A plan with what it was chosen from. */
interface Chosen {
  plan: Plan;
  online: boolean;
  baselines: Record<BaselineName, Plan>;
  input: PlanInput;
}

/** Options of CoInference. */
export interface CoInferenceOptions {
  model: MultiExitModel;
  manifest: ModelManifest;
  device: LatencyModel;
  edge: LatencyModel;
  encoding?: Encoding;
  /** Milliseconds, monotonic. */
  now: () => number;
  estimator?: BandwidthEstimator;
  /**
   * Device emulation: the head really takes `factor` times as long (on the same clock as `now`).
   * The planner is not told: it sees the slower head in what it measures, and in a profile
   * measured with the same slow-down.
   */
  slowdown?: DeviceSlowdown;
  /**
   * Encodes an RGB frame (`width * height * 3` bytes) as JPEG: how the input of
   * a model of colour frames crosses the link at partition 0, as a real camera
   * pipeline sends it (a canvas in the page, a JPEG library in Node). Absent,
   * or for a grey model, the raw bytes cross as uint8.
   */
  encodeJpeg?: (rgb: Uint8Array, width: number, height: number) => Promise<Uint8Array>;
}

/** Co-inference for one model on this device. */
export class CoInference {
  readonly paths: PlannerPath[];
  private planner: CompiledPlanner;
  private edgeClient: EdgeClient | undefined;
  private readonly link: LinkPolicy;
  /** Measured / predicted compute of the answered requests, per side. */
  readonly calibration = new Calibration();
  private encodingValue: Encoding;
  private deviceModel: LatencyModel;
  private edgeModel: LatencyModel;

  constructor(private readonly options: CoInferenceOptions) {
    const accuracy = options.manifest.evaluation?.exits.map((e) => e.accuracy);
    if (!accuracy) {
      throw new DeviceError(
        'EDGENT_ERR_NO_ACCURACY',
        `model ${options.manifest.id} records no per-exit accuracy; the planner needs it`,
      );
    }
    this.paths = describeModel(options.model.spec).map((p) => ({
      ...p,
      accuracy: accuracy[p.exit] ?? 0,
    }));
    this.encodingValue = options.encoding ?? 'float32';
    this.deviceModel = options.device;
    this.edgeModel = options.edge;
    this.link = new LinkPolicy(options.now, options.estimator);
    this.planner = this.compile();
  }

  /** Uses `client` for co-inference; undefined: offline, device-only plans. */
  setEdge(client: EdgeClient | undefined): void {
    this.edgeClient = client;
  }

  get edge(): EdgeClient | undefined {
    return this.edgeClient && !this.edgeClient.closed ? this.edgeClient : undefined;
  }

  get encoding(): Encoding {
    return this.encodingValue;
  }

  set encoding(value: Encoding) {
    this.encodingValue = value;
    this.planner = this.compile();
  }

  /** Replaces the latency models (e.g. after re-profiling). */
  setLatency(models: { device?: LatencyModel; edge?: LatencyModel }): void {
    // A new profile starts its calibration afresh.
    if (models.device) {
      this.deviceModel = models.device;
      this.calibration.reset('device');
    }
    if (models.edge) {
      this.edgeModel = models.edge;
      this.calibration.reset('edge');
    }
    this.planner = this.compile();
  }

  /** The current link estimate, if any. */
  get bandwidth(): BandwidthEstimate | undefined {
    return this.link.bandwidth;
  }

  /** The RTT estimate, ms, if any. */
  get rttMs(): number | undefined {
    return this.link.rttMs;
  }

  /** The link's raw samples after sample `seq` (see LinkPolicy.samplesSince). */
  samplesSince(seq: number): readonly LinkSample[] {
    return this.link.samplesSince(seq);
  }

  /** Since the link was last sampled (transfer or probe), ms; Infinity before any. */
  get linkAgeMs(): number {
    return this.link.ageMs();
  }

  /** Whether the link estimate is too old to plan with (the planner gets the slow-link defaults). */
  get linkExpired(): boolean {
    return this.link.expired;
  }

  /**
   * Whether a probe of the link is due (while requests flow too): see
   * LinkPolicy.probeDue. With `deadlineMs`, less often while the plan for it
   * would not change with the estimate.
   */
  probeDue(deadlineMs?: number): boolean {
    if (this.edge === undefined) return false;
    if (deadlineMs === undefined || !this.link.probeDue(true)) return this.link.probeDue(true);
    if (this.link.probeDue(false)) return true;
    const input = this.planInput(deadlineMs);
    const sensitive = planSensitive(
      (bandwidthBps) => this.planner.plan({ ...input, bandwidthBps }),
      input.bandwidthBps,
    );
    return this.link.probeDue(sensitive);
  }

  /**
   * Measures the link with probes: an empty one for the round trip, then
   * `rounds` rounds of probes sized on the latest sample (see LinkPolicy.measure);
   * retried while the rate or the round trip is unknown (see `complete`).
   */
  async measureLink(rounds = 2): Promise<LinkMeasurement> {
    const edge = this.edge;
    if (!edge) throw new DeviceError('EDGENT_ERR_CLOSED', 'no edge to measure the link to');
    return this.link.measure((bytes) => edge.probe(bytes), rounds);
  }

  /**
   * Runs every exit path once on a blank input, so the first request does not pay for compiling
   * kernels; then once more, timed, as the device's first calibration (what the profile predicts
   * for each whole path against what it takes here now, e.g. on another CPU than the profile's),
   * so that the first requests are not planned with an uncorrected profile.
   */
  async warmUp(): Promise<void> {
    const { model } = this.options;
    const x = tf.zeros([1, ...model.spec.input]);
    const probe = { bandwidthBps: 1, rttMs: 0, deadlineMs: 1 };
    try {
      for (const timed of [false, true]) {
        for (const path of this.paths) {
          const n = path.layers.length;
          const t0 = this.options.now();
          const y = runSlice(model, path.exit, 0, n, x);
          await y.data();
          y.dispose();
          if (!timed) continue;
          this.options.slowdown?.stretch(t0);
          const predicted = this.planner.evaluate(path.exit, n, probe).predicted.device;
          this.calibration.observe('device', predicted, this.options.now() - t0);
        }
      }
    } finally {
      x.dispose();
    }
  }

  /** Forgets the link estimate (e.g. after the link settings change). */
  resetLink(): void {
    this.link.reset();
  }

  /**
   * The plan for `deadlineMs` now: Edgent's choice when online (or `override`,
   * e.g. the dynamic mode's configuration-map entry), the best device-only
   * plan when not.
   */
  plan(
    deadlineMs: number,
    override?: Pick<Plan, 'exit' | 'partition'>,
    inputBytes?: number,
  ): Chosen {
    const input = this.planInput(deadlineMs, inputBytes);
    const baselines = runBaselines(this.planner, input);
    if (!this.edge) return { plan: baselines.exitOnly, online: false, baselines, input };
    // Re-evaluated on the current inputs, so its prediction matches what is measured now.
    const chosen = override
      ? this.planner.evaluate(override.exit, override.partition, input)
      : this.planner.plan(input);
    // Chosen (and called feasible) with compute as it is 19 times in 20; its breakdown is what
    // it is expected to take, with the typical calibration.
    const expected = this.planner.evaluate(chosen.exit, chosen.partition, {
      ...input,
      ...this.calibration.typical(),
    });
    return { plan: { ...expected, feasible: chosen.feasible }, online: true, baselines, input };
  }

  /**
   * Every (exit, partition) the planner weighs for `input` (a {@link Classification}'s), with
   * bytes sent, predicted breakdown and whether it meets the deadline.
   */
  candidates(input: PlanInput): Plan[] {
    return this.planner.candidates(input);
  }

  /**
   * The Edgent search at a given bandwidth (bit/s) and deadline, with the
   * rest of the planner's inputs as they are now (round trip, the link's
   * spread, burst and overhead, calibration): what a configuration map stores
   * for a bandwidth state. With the spread the map is as risk-aware as the
   * static planner: plans a fade would break are not stored for a state.
   */
  planAt(bandwidthBps: number, deadlineMs: number): Plan {
    return this.planner.plan({ ...this.planInput(deadlineMs), bandwidthBps });
  }

  /**
   * Classifies one image: `pixels` are the model input's values as bytes
   * (0..255, e.g. 28x28x1 grayscale), row-major. `options.plan` replaces
   * the planner's choice while the edge is reachable (the dynamic mode).
   */
  async classify(
    pixels: Uint8Array,
    deadlineMs: number,
    options: { plan?: Pick<Plan, 'exit' | 'partition'> } = {},
  ): Promise<Classification> {
    const spec = this.options.model.spec;
    const size = spec.input.reduce((a, b) => a * b, 1);
    if (pixels.length !== size) {
      throw new DeviceError(
        'EDGENT_ERR_BAD_IMAGE',
        `expected ${size} pixel values for input [${spec.input.join(', ')}], got ${pixels.length}`,
      );
    }
    // The frame is encoded before planning, so the plan charges partition 0 with this frame's
    // size. Like turning pixels into a tensor, encoding is preparation, outside the measured time.
    const frame = await this.encodeFrame(pixels);
    const chosen = this.plan(deadlineMs, options.plan, frame?.length);
    try {
      return await this.run(pixels, chosen, frame);
    } catch (e) {
      // The edge went away mid-request: answer on the device, say so.
      if (chosen.online && e instanceof DeviceError && e.code === 'EDGENT_ERR_CLOSED') {
        return this.run(pixels, { ...chosen, plan: chosen.baselines.exitOnly, online: false });
      }
      throw e;
    }
  }

  /** Whether the input crosses at partition 0 as JPEG (an RGB model, and an encoder given). */
  get sendsJpeg(): boolean {
    return this.options.encodeJpeg !== undefined && this.options.model.spec.input[2] === 3;
  }

  /** This frame as it crosses at partition 0 when that is JPEG; undefined for raw bytes. */
  private async encodeFrame(pixels: Uint8Array): Promise<Uint8Array | undefined> {
    const encode = this.options.encodeJpeg;
    if (!encode || !this.sendsJpeg || !this.edge) return undefined;
    const [height, width] = this.options.model.spec.input;
    return encode(pixels, width, height);
  }

  private async run(
    pixels: Uint8Array,
    chosen: Chosen,
    frame?: Uint8Array,
  ): Promise<Classification> {
    const { plan } = chosen;
    const { model } = this.options;
    // The plan's breakdown was given with the typical calibration: take it out to compare.
    const { deviceScale, edgeExtraMs } = chosen.online
      ? this.calibration.typical()
      : { deviceScale: chosen.input.deviceScale ?? 1, edgeExtraMs: chosen.input.edgeExtraMs ?? 0 };
    const n = this.paths[plan.exit]?.layers.length ?? 0;
    const bandwidth = this.link.bandwidth;
    const x = inputTensor(model.spec, pixels);
    const t0 = this.options.now();
    let head: tf.Tensor | undefined;
    let values: Float32Array | undefined;
    try {
      if (plan.partition > 0) {
        head = runSlice(model, plan.exit, 0, plan.partition, x);
        values = (await head.data()) as Float32Array;
        this.options.slowdown?.stretch(t0);
      }
      const deviceMs = plan.partition > 0 ? this.options.now() - t0 : 0;
      if (plan.partition > 0) {
        this.calibration.observe('device', plan.predicted.device / deviceScale, deviceMs);
      }
      if (plan.partition === n) {
        const scores = values ?? new Float32Array(0);
        return this.finish(scores, chosen, bandwidth, {
          device: deviceMs,
          upload: 0,
          edge: 0,
          download: 0,
          total: deviceMs,
        });
      }
      const edge = this.edge;
      if (!edge) throw new DeviceError('EDGENT_ERR_CLOSED', 'no edge for a split plan');
      const input = [1, ...model.spec.input];
      const payload =
        plan.partition > 0
          ? encodeTensor(values as Float32Array, head?.shape ?? [], this.encodingValue)
          : frame
            ? { dtype: 'jpeg' as const, shape: input, payload: frame }
            : { dtype: 'uint8' as const, shape: input, payload: pixels };
      const reply = await edge.request({ exit: plan.exit, partition: plan.partition, ...payload });
      const edgeMs = reply.timing.queueMs + reply.timing.decodeMs + reply.timing.computeMs;
      this.calibration.observe('edge', plan.predicted.edge - edgeExtraMs, edgeMs);
      const transfer = Math.max(0, reply.elapsedMs - edgeMs);
      this.link.observeTransfer({
        bytesUp: reply.bytesUp,
        bytesDown: reply.bytesDown,
        elapsedMs: reply.elapsedMs,
        edgeMs,
      });
      const up = plan.predicted.upload;
      const down = plan.predicted.download;
      const upShare = up + down > 0 ? up / (up + down) : 0.5;
      return this.finish(reply.scores, chosen, bandwidth, {
        device: deviceMs,
        upload: transfer * upShare,
        edge: edgeMs,
        download: transfer * (1 - upShare),
        total: deviceMs + transfer + edgeMs,
      });
    } finally {
      x.dispose();
      head?.dispose();
    }
  }

  private finish(
    scores: Float32Array,
    chosen: Chosen,
    bandwidth: BandwidthEstimate | undefined,
    measured: Breakdown,
  ): Classification {
    let label = 0;
    for (let i = 1; i < scores.length; i++) if ((scores[i] ?? 0) > (scores[label] ?? 0)) label = i;
    // Softmax confidence of the top class.
    let sum = 0;
    const top = scores[label] ?? 0;
    for (const s of scores) sum += Math.exp(s - top);
    return {
      label,
      confidence: 1 / sum,
      scores,
      plan: chosen.plan,
      measured,
      ...(bandwidth ? { bandwidth } : {}),
      online: chosen.online,
      baselines: chosen.baselines,
      input: chosen.input,
    };
  }

  /** The planner's inputs now: the link (LinkPolicy.input) and each side's calibration. */
  private planInput(deadlineMs: number, inputBytes?: number): PlanInput {
    return {
      ...this.link.input(),
      deadlineMs,
      ...(inputBytes !== undefined ? { inputBytes } : {}),
      deviceScale: this.calibration.deviceScale(),
      edgeExtraMs: this.calibration.edgeExtraMs(),
    };
  }

  private compile(): CompiledPlanner {
    return compilePlanner(this.paths, this.deviceModel, this.edgeModel, {
      encoding: this.encodingValue,
      classes: this.options.model.spec.classes,
      headerBytes: HEADER_BYTES,
    });
  }
}
