import type { DeviceSlowdown, ModelManifest, MultiExitModel } from '@edgent/model';
import {
  type BandwidthEstimator,
  createBandwidthEstimator,
  type Encoding,
  type LatencyModel,
  type Plan,
} from '@edgent/planner';
import type { LinkSettings } from '@edgent/protocol';
import { type Classification, CoInference, type CoInferenceOptions } from './co-inference';
import { EdgeConnection, type EdgeConnectionOptions } from './connection';
import type { EdgeClient } from './edge-client';
import type { EdgeProfile } from './edge-profile';
import { DeviceError } from './errors';
import { type LinkMeasurement, PROBE_EVERY_MS } from './link-policy';
import { SerialQueue } from './queue';

/**
 * One device's session with the edge, driven alike by the page and by
 * `edgent device`: it holds the model's co-inference, keeps a connection to
 * the edge (connect and hello, reconnect with backoff after a loss), takes
 * each new one (asks again for the emulated link the person set, refreshes
 * the edge's profile after a reconnection, measures the link),
 * keeps probing the link while the estimate is old, and runs every request,
 * probe and link change through one queue so that no measurement overlaps
 * another. Without an edge, requests are answered on the device.
 */

/** A model with what the planner needs of it. */
export interface SessionModel {
  model: MultiExitModel;
  manifest: ModelManifest;
  /** This device's latency model (its profile). */
  device: LatencyModel;
  /** The edge's latency model. */
  edge: LatencyModel;
  encoding?: Encoding;
  /** How a colour frame is encoded as JPEG to cross at partition 0 (CoInferenceOptions.encodeJpeg). */
  encodeJpeg?: CoInferenceOptions['encodeJpeg'];
}

/** Options of {@link DeviceSession}. */
export interface DeviceSessionOptions {
  /** Milliseconds, monotonic. */
  now: () => number;
  /** Kept across models (e.g. a backend switch keeps the link estimate); default a new one. */
  estimator?: BandwidthEstimator;
  /** Device emulation (see CoInferenceOptions.slowdown). */
  slowdown?: DeviceSlowdown;
  /**
   * The edge's profile after a reconnection (the edge may have been restarted
   * or re-profiled); without it the profile given to `load` is kept.
   */
  edgeProfile?: () => Promise<EdgeProfile>;
  /** Told after each measurement of the link: probe rounds, or an answer that crossed it. */
  onLink?: () => void;
  /** Told when a reconnection brought the edge's profile again. */
  onEdgeProfile?: (profile: EdgeProfile) => void;
}

const LINK_OFF: LinkSettings = { type: 'link', mode: 'off' };

/** The device's session (see the module comment). */
export class DeviceSession {
  /** Requests, probes, link changes and (the caller's) profiling, one at a time. */
  readonly queue = new SerialQueue();
  private readonly estimator: BandwidthEstimator;
  private coValue: CoInference | undefined;
  private clientValue: EdgeClient | undefined;
  private linkSettings: LinkSettings = LINK_OFF;
  private connections = 0;
  private probeQueued = false;
  private monitor: ReturnType<typeof setInterval> | undefined;
  private connection: EdgeConnection | undefined;

  constructor(private readonly options: DeviceSessionOptions) {
    this.estimator = options.estimator ?? createBandwidthEstimator();
  }

  /** The model's co-inference; undefined until `load`. */
  get co(): CoInference | undefined {
    return this.coValue;
  }

  /** The edge's client while its connection is open. */
  get client(): EdgeClient | undefined {
    return this.clientValue && !this.clientValue.closed ? this.clientValue : undefined;
  }

  /** The emulated link the edge last confirmed (asked for again on each new connection). */
  get link(): LinkSettings {
    return this.linkSettings;
  }

  /** Loads a model (replacing the previous one), warms it up and measures the link if connected. */
  load(setup: SessionModel): Promise<void> {
    return this.queue.run(() => this.loadNow(setup));
  }

  /** `load` for a caller already inside the queue. */
  async loadNow(setup: SessionModel): Promise<void> {
    const co = new CoInference({
      ...setup,
      now: this.options.now,
      estimator: this.estimator,
      ...(this.options.slowdown ? { slowdown: this.options.slowdown } : {}),
    });
    co.setEdge(this.clientValue);
    this.coValue = co;
    await co.warmUp();
    if (co.edge) await this.measureNow(2).catch(() => undefined);
  }

  /**
   * Connects to the edge and keeps connected: each session the connection
   * opens is taken as `attach` takes it; after a loss it tries again with
   * backoff until `close`. Resolves with the first session, or rejects with
   * the first attempt's failure (and stops trying) when `failFast`.
   */
  connect(options: Omit<EdgeConnectionOptions, 'onClient'>, failFast = false): Promise<EdgeClient> {
    this.connection?.stop();
    let first = true;
    return new Promise((resolve, reject) => {
      const connection = new EdgeConnection({
        ...options,
        onClient: (client) => {
          this.attach(client);
          if (client && first) {
            first = false;
            resolve(client);
          }
        },
        onState: (state) => {
          options.onState(state);
          if (first && failFast && state.status === 'offline' && state.error) {
            first = false;
            connection.stop();
            reject(new DeviceError(state.error.code, state.error.message));
          }
        },
      });
      this.connection = connection;
      connection.start();
    });
  }

  /** Tries to reach the edge now instead of waiting out the backoff. */
  retryNow(): void {
    this.connection?.retryNow();
  }

  /**
   * Takes a new connection to the edge (undefined: it was lost; requests are
   * answered on the device until the next one). On each new connection the
   * link the person set is asked for again, the edge's profile is fetched
   * again after the first, and the link is measured.
   */
  attach(client: EdgeClient | undefined): void {
    this.clientValue = client;
    this.coValue?.setEdge(client);
    if (!client) return;
    const reconnected = ++this.connections > 1;
    void this.queue
      .run(async () => {
        if (this.linkSettings.mode !== 'off') await client.setLink(this.linkSettings);
        if (reconnected && this.options.edgeProfile) {
          const profile = await this.options.edgeProfile().catch(() => undefined);
          if (profile) {
            this.coValue?.setLatency({ edge: profile.latency });
            this.options.onEdgeProfile?.(profile);
          }
        }
        await this.measureNow(2);
      })
      .catch(() => {});
  }

  /**
   * Asks the edge to emulate `settings` (asked for again after a
   * reconnection), forgets the link estimate and measures the link again.
   * `onApplied` runs once the edge confirmed, before the measurement.
   */
  setLink(settings: LinkSettings, onApplied?: () => void): Promise<LinkMeasurement | undefined> {
    return this.queue.run(async () => {
      const edge = this.coValue?.edge ?? this.client;
      if (!edge) {
        throw new DeviceError(
          'EDGENT_ERR_CLOSED',
          'the edge is not connected; apply the link once it is',
        );
      }
      await edge.setLink(settings);
      this.linkSettings = settings;
      this.coValue?.resetLink();
      onApplied?.();
      return this.measureNow(3);
    });
  }

  /** Measures the link now (probe `rounds`), in the queue; undefined without an edge or a model. */
  measureLink(rounds = 2): Promise<LinkMeasurement | undefined> {
    return this.queue.run(() => this.measureNow(rounds));
  }

  /**
   * Queues one probe round if one is due for `deadlineMs` (see
   * CoInference.probeDue) and none is queued yet; true when it probed.
   */
  async probeIfDue(deadlineMs: number): Promise<boolean> {
    if (this.probeQueued || !this.coValue?.probeDue(deadlineMs)) return false;
    this.probeQueued = true;
    try {
      await this.queue.run(() => this.measureNow(1));
      return true;
    } catch {
      return false;
    } finally {
      this.probeQueued = false;
    }
  }

  /**
   * From now until `close`, checks every `everyMs` whether a probe is due for
   * the deadline `deadlineMs()` gives, while requests flow too.
   */
  keepProbing(deadlineMs: () => number, everyMs = PROBE_EVERY_MS / 4): void {
    clearInterval(this.monitor);
    this.monitor = setInterval(() => void this.probeIfDue(deadlineMs()), everyMs);
    // In Node: the timer alone does not keep a finished command running.
    (this.monitor as { unref?: () => void }).unref?.();
  }

  /**
   * Classifies model-input pixels in the queue. `choose`, asked when the
   * request's turn comes, may replace the planner's choice (a pinned plan, a
   * configuration map's entry).
   */
  classify(
    pixels: Uint8Array,
    deadlineMs: number,
    choose?: () => Pick<Plan, 'exit' | 'partition'> | undefined,
  ): Promise<Classification> {
    return this.queue.run(async () => {
      const co = this.coValue;
      if (!co) throw new DeviceError('EDGENT_ERR_NO_MODEL', 'no model loaded yet');
      const plan = choose?.();
      const r = await co.classify(pixels, deadlineMs, plan ? { plan } : {});
      if (r.online && r.plan.partition < (co.paths[r.plan.exit]?.layers.length ?? 0)) {
        this.options.onLink?.();
      }
      return r;
    });
  }

  /** Stops probing and reconnecting, and closes the connection. */
  close(): void {
    clearInterval(this.monitor);
    this.monitor = undefined;
    this.connection?.stop();
    this.clientValue?.close();
  }

  private async measureNow(rounds: number): Promise<LinkMeasurement | undefined> {
    const co = this.coValue;
    if (!co?.edge) return undefined;
    const m = await co.measureLink(rounds);
    this.options.onLink?.();
    return m;
  }
}
