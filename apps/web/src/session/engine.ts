import {
  type Classification,
  DeviceSession,
  DynamicMode,
  type EdgeProfile,
  edgeSocketUrl,
  fetchEdgeProfile,
  type ModelPixels,
  parseEdgeProfile,
} from '@edgent/device';
import {
  DeviceSlowdown,
  disposeModel,
  FASHION_MNIST_CLASSES,
  FRAME_JPEG_QUALITY,
  fetchModel,
  MAX_SLOWDOWN,
  type ModelManifest,
  type MultiExitModel,
  modelFromWeights,
} from '@edgent/model';
import type { Encoding, LatencyModel } from '@edgent/planner';
import {
  chooseModel,
  fetchGallery,
  fetchHttpsAddresses,
  fetchTraces,
  httpsAlternative,
} from '../edge/api';
import {
  DEFAULT_LINK_FORM,
  describeLink,
  LINK_PRESETS,
  type LinkForm,
  linkSettingsOf,
  presetForm,
} from '../edge/link-settings';
import { encodeJpegInPage } from '../image/decode';
import {
  availableBackends,
  type BackendName,
  backendOrder,
  pickBackend,
  startBackend,
  wasmFlags,
} from '../runtime/backend';
import { detectCapabilities } from '../runtime/capabilities';
import type { StorageLike } from '../runtime/profile-cache';
import { CameraLoop } from './camera';
import { deviceProfile, shippedDeviceLatency } from './device-profile';
import { progressOf, topClasses } from './engine-helpers';
import { type HistoryEvent, pushBandwidth, pushEvent, pushRequest } from './history';
import {
  type AnswerRecord,
  type AppState,
  INITIAL_STATE,
  type Mode,
  type ShownInput,
} from './state';
import { type SweepAnswer, type SweepRow, sweepRow } from './sweep';

const BACKEND_KEY = 'edgent/backend';
const STATISTIC_KEY = 'edgent/profile-statistic';
const SLOWDOWN_KEY = 'edgent/device-slowdown';
const GALLERY_SIZE = 24;
/** Answers kept in the session log (summary and export). */
const LOG_LIMIT = 5000;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The device: loads the edge's model, runs it on the chosen tfjs backend,
 * profiles this device, keeps the session with the edge, measures the link
 * and classifies through one queue. React reads its state snapshots.
 */
export class Engine {
  private state: AppState = INITIAL_STATE;
  private readonly listeners = new Set<() => void>();
  private readonly started = performance.now();
  private manifest: ModelManifest | undefined;
  private weights: Map<string, Float32Array> | undefined;
  private model: MultiExitModel | undefined;
  private dynamic: DynamicMode | undefined;
  private edgeLatency: LatencyModel | undefined;
  private deviceLatency: LatencyModel | undefined;
  private changesSeen = 0;
  /** The chosen model's id (undefined: the edge's default, when it lists none) and files. */
  private modelId: string | undefined;
  private modelFiles = '/model/';
  /** Device emulation: the simulated device speed, applied to every head and profiling call. */
  private readonly slowdown = new DeviceSlowdown(1, () => performance.now());
  /** The session with the edge: link, probes, plans and requests, through one queue. */
  private readonly session = new DeviceSession({
    now: () => performance.now(),
    slowdown: this.slowdown,
    edgeProfile: () =>
      fetchEdgeProfile('', this.modelId === undefined ? {} : { model: this.modelId }),
    onLink: () => this.linkObserved(),
    onEdgeProfile: (p) => {
      this.edgeLatency = p.latency;
      this.dynamic?.rebuild();
      this.update({ edgeProfile: { source: 'edge', backend: p.backend, device: p.device } });
    },
  });
  private readonly queue = this.session.queue;
  readonly camera = new CameraLoop(
    (p) =>
      this.classify(p.pixels, { source: 'camera', name: 'camera frame', inverted: p.inverted }),
    () => this.input,
  );

  /** The input shape of the model: [height, width, channels]. */
  get input(): readonly number[] {
    return this.manifest?.architecture.input ?? [28, 28, 1];
  }

  constructor(private readonly storage: StorageLike = localStorage) {
    this.camera.onChange = (c) => this.update({ camera: c });
    if (storage.getItem(STATISTIC_KEY) === 'median') {
      this.state = {
        ...this.state,
        settings: { ...this.state.settings, profileStatistic: 'median' },
      };
    }
    const slowdown = Number(storage.getItem(SLOWDOWN_KEY) ?? 1);
    if (slowdown > 1 && slowdown <= MAX_SLOWDOWN) {
      this.slowdown.factor = slowdown;
      this.state = {
        ...this.state,
        settings: { ...this.state.settings, deviceSlowdown: slowdown },
      };
    }
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): AppState => this.state;

  private update(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private now = () => performance.now();

  /** Loads everything, in order; errors that stop the page end up in `fatal`. */
  async start(): Promise<void> {
    try {
      const caps = await detectCapabilities();
      this.update({
        capabilities: caps,
        backends: availableBackends(caps),
        stage: 'loading-model',
        context: {
          secure: globalThis.isSecureContext === true,
          camera: typeof navigator.mediaDevices?.getUserMedia === 'function',
          isolated: caps.crossOriginIsolated,
        },
      });
      if (!globalThis.isSecureContext) void this.offerHttps();
      const chosen = await chooseModel(new URLSearchParams(location.search).get('model'));
      this.modelId = chosen.id;
      this.modelFiles = chosen.files;
      this.update({ models: chosen.models });
      void fetchTraces()
        .then(({ names, details }) =>
          this.update({ link: { ...this.state.link, traces: names, details } }),
        )
        .catch((e) => this.update({ link: { ...this.state.link, error: message(e) } }));
      const edgeProfile = this.loadEdgeProfile();
      const { manifest, weights } = await fetchModel(new URL(this.modelFiles, location.href).href);
      this.manifest = manifest;
      this.weights = weights;
      void this.loadGallery();
      this.update({ model: modelInfo(manifest, weights), stage: 'starting-backend' });
      this.connect(manifest);

      const stored = this.storage.getItem(BACKEND_KEY) as BackendName | null;
      const { backend, fallbacks } = await pickBackend(backendOrder(caps, stored ?? undefined));
      this.model = modelFromWeights(manifest.architecture, weights);
      this.update({ backend, fallbacks, wasm: backend === 'wasm' ? await wasmFlags() : undefined });

      this.update({ stage: 'profiling' });
      await this.queue.run(() => this.profile(false));
      this.update({ stage: 'waiting-edge' });
      this.edgeLatency = (await edgeProfile).latency;
      await this.queue.run(() => this.buildCoInference());
      this.update({ stage: 'ready' });
      this.session.keepProbing(() => this.state.settings.deadlineMs);
    } catch (e) {
      this.update({ stage: 'failed', fatal: message(e) });
    }
  }

  /** Runs `task` with the model on the current backend, in the device queue (benchmarks). */
  withModel<T>(task: (model: MultiExitModel) => Promise<T>): Promise<T> {
    return this.queue.run(() => {
      if (!this.model) throw new Error('no model loaded yet');
      return task(this.model);
    });
  }

  /** Tries to reach the edge now instead of waiting out the backoff. */
  retryEdge(): void {
    this.session.retryNow();
  }

  /** Stops the session, the camera and the probes. */
  stop(): void {
    this.session.close();
    this.camera.stop();
  }

  /** In an insecure context: the edge's HTTPS address, where the camera and threads work. */
  private async offerHttps(): Promise<void> {
    try {
      const url = httpsAlternative(location, await fetchHttpsAddresses());
      if (url && this.state.context) {
        this.update({ context: { ...this.state.context, httpsUrl: url } });
      }
    } catch {
      // An edge without the route, or unreachable: the notice says what is missing anyway.
    }
  }

  private async loadGallery(): Promise<void> {
    try {
      const items = await fetchGallery(GALLERY_SIZE, this.input[2] === 3 ? 'composed' : 'raw');
      this.update({ gallery: { status: 'ready', items } });
    } catch (e) {
      this.update({ gallery: { status: 'failed', items: [], error: message(e) } });
    }
  }

  /** The edge's profile from /api/profile; the shipped one if the edge cannot give it. */
  private async loadEdgeProfile(): Promise<EdgeProfile> {
    try {
      const p = await fetchEdgeProfile('', {
        ...(this.modelId === undefined ? {} : { model: this.modelId }),
        onWait: (status) =>
          this.update({
            edgeProfile: {
              source: 'edge',
              backend: '?',
              device: '?',
              note: 'the edge is profiling itself',
              waiting: progressOf(status),
            },
          }),
      });
      this.update({ edgeProfile: { source: 'edge', backend: p.backend, device: p.device } });
      return p;
    } catch (e) {
      const res = await fetch(`${this.modelFiles}profiles/edge.json`);
      if (!res.ok)
        throw new Error(`no edge profile: ${message(e)}; and the shipped one: HTTP ${res.status}`);
      const p = parseEdgeProfile(await res.json(), 'the shipped edge profile');
      this.update({
        edgeProfile: {
          source: 'shipped',
          backend: p.backend,
          device: p.device,
          note: `the edge's own profile failed (${message(e)}); planning with the shipped one`,
        },
      });
      return p;
    }
  }

  private connect(manifest: ModelManifest): void {
    // Kept connected until stop(): the session reconnects with backoff after a loss.
    void this.session.connect({
      url: edgeSocketUrl(location),
      model: { id: manifest.id, hash: manifest.hash },
      now: this.now,
      backend: () => this.state.backend ?? '',
      onState: (connection) => this.update({ connection }),
    });
  }

  /** Loads this backend's cached profile or profiles the device (call inside the queue). */
  private async profile(force: boolean): Promise<void> {
    const { manifest, model } = this;
    const backend = this.state.backend;
    if (!backend || !manifest || !model) throw new Error('no model on a backend to profile yet');
    this.update({ profile: { status: 'profiling', progress: 0 } });
    try {
      const { profile, fromCache } = await deviceProfile({
        storage: this.storage,
        backend,
        manifest,
        model,
        force,
        statistic: this.state.settings.profileStatistic,
        slowdown: this.slowdown,
        now: this.now,
        onProgress: (progress, phase) =>
          this.update({ profile: { status: 'profiling', phase, progress } }),
      });
      this.deviceLatency = profile.latency;
      this.update({ profile: { status: 'ready', progress: 100, profile, fromCache } });
    } catch (e) {
      this.update({ profile: { status: 'failed', progress: 0, error: message(e) } });
      // Without any profile the planner cannot run: plan with the shipped stand-in device.
      if (!this.deviceLatency) {
        this.deviceLatency = await shippedDeviceLatency(message(e), this.modelFiles);
      }
    }
    this.session.co?.setLatency({ device: this.deviceLatency });
    this.dynamic?.rebuild();
    this.refreshDeviceOnly();
  }

  /** Builds the co-inference for the current model and profiles (call inside the queue). */
  private async buildCoInference(): Promise<void> {
    const { model, manifest, deviceLatency, edgeLatency } = this;
    if (!model || !manifest || !deviceLatency || !edgeLatency) {
      throw new Error('the model, the device profile and the edge profile are needed first');
    }
    await this.session.loadNow({
      model,
      manifest,
      device: deviceLatency,
      edge: edgeLatency,
      encoding: this.state.settings.encoding,
      // A colour frame crosses at partition 0 as the browser's JPEG of it.
      encodeJpeg: (rgb, width, height) => encodeJpegInPage(rgb, width, height, FRAME_JPEG_QUALITY),
    });
    const co = this.session.co;
    this.dynamic =
      co && this.state.settings.mode === 'dynamic'
        ? new DynamicMode(co, { deadlineMs: this.state.settings.deadlineMs })
        : undefined;
    this.refreshDeviceOnly();
  }

  private refreshDeviceOnly(): void {
    const co = this.session.co;
    if (!co) return;
    const { baselines } = co.plan(this.state.settings.deadlineMs);
    this.update({ deviceOnlyMs: baselines.deviceOnly.predicted.total });
  }

  private linkObserved(): void {
    const co = this.session.co;
    if (!co) return;
    const estimate = co.bandwidth;
    this.dynamic?.observe();
    let history = estimate
      ? pushBandwidth(this.state.history, this.seconds(), estimate.bps)
      : this.state.history;
    const changes = this.dynamic?.changes ?? 0;
    if (this.dynamic && changes > this.changesSeen) {
      const at = this.dynamic.segmentBps;
      history = pushEvent(history, {
        t: this.seconds(),
        kind: 'change',
        label: `change detected${at === undefined ? '' : ` (segment ${(at / 1e6).toPrecision(3)} Mbit/s)`}`,
      });
    }
    this.changesSeen = changes;
    this.update({
      link: {
        ...this.state.link,
        bps: estimate?.bps,
        rttMs: co.rttMs,
        // When the link was last sampled, not when this was called (a short transfer measures nothing).
        ...(estimate && Number.isFinite(co.linkAgeMs)
          ? { measuredAt: this.seconds() - co.linkAgeMs / 1000 }
          : {}),
      },
      history,
    });
  }

  /** Seconds since the page started (the charts' time axis). */
  seconds(): number {
    return (this.now() - this.started) / 1000;
  }

  /** Classifies model-input pixels (through the queue); the answer lands in the state. */
  async classify(pixels: Uint8Array, meta: Omit<ShownInput, 'pixels'>): Promise<void> {
    await this.classifyShown(pixels, meta).catch((e: unknown) =>
      this.update({ classifyError: message(e) }),
    );
  }

  /** Classifies and shows the answer; rejects when it failed. */
  private async classifyShown(
    pixels: Uint8Array,
    meta: Omit<ShownInput, 'pixels'>,
  ): Promise<Classification> {
    this.update({ input: { pixels, ...meta }, busy: true });
    try {
      const r = await this.classifyNow(pixels);
      this.show(r, meta);
      return r;
    } finally {
      this.update({ busy: !this.queue.idle });
    }
  }

  /**
   * The page's small experiment: applies each link preset in turn, classifies the first
   * `perPreset` gallery images at each, and keeps per preset what Edgent measured and what the
   * baselines predicted on the same inputs (state.sweep). The last preset stays applied.
   */
  async runSweep(perPreset: number): Promise<void> {
    if (this.state.sweep.status === 'running') return;
    const items = this.state.gallery.items.slice(0, Math.max(1, Math.floor(perPreset)));
    const total = LINK_PRESETS.length * items.length;
    const rows: SweepRow[] = [];
    this.update({ sweep: { status: 'running', done: 0, total, rows } });
    try {
      if (items.length === 0) throw new Error('the gallery has no images yet');
      for (const preset of LINK_PRESETS) {
        this.update({ sweep: { ...this.state.sweep, preset: preset.label } });
        await this.applyLink(presetForm(preset, DEFAULT_LINK_FORM));
        if (this.state.link.error) throw new Error(this.state.link.error);
        const estimate = this.session.co?.bandwidth?.bps;
        const answers: SweepAnswer[] = [];
        for (const item of items) {
          const r = await this.classifyShown(item.pixels, {
            source: 'gallery',
            name: `sweep ${preset.label}: test image ${item.index}`,
            trueLabel: item.label,
          });
          answers.push({ r, correct: r.label === item.label });
          this.update({ sweep: { ...this.state.sweep, done: this.state.sweep.done + 1 } });
        }
        rows.push(sweepRow(preset, this.state.settings.deadlineMs, estimate, answers));
        this.update({ sweep: { ...this.state.sweep, rows: [...rows] } });
      }
      this.update({ sweep: { ...this.state.sweep, status: 'done', preset: undefined } });
    } catch (e) {
      this.update({ sweep: { ...this.state.sweep, status: 'failed', error: message(e) } });
    }
  }

  /** Resolves once the page has started or failed to start. */
  private startedOrFailed(): Promise<void> {
    const done = () => this.state.stage === 'ready' || this.state.stage === 'failed';
    return new Promise((resolve) => {
      if (done()) return resolve();
      const listener = () => {
        if (!done()) return;
        this.listeners.delete(listener);
        resolve();
      };
      this.listeners.add(listener);
    });
  }

  private async classifyNow(pixels: Uint8Array): Promise<Classification> {
    // A tap or an upload while the page starts (the profile can be ready before the edge's is)
    // waits for the start rather than being dropped.
    if (!this.session.co) await this.startedOrFailed();
    if (!this.session.co) {
      throw new Error(this.state.fatal ?? 'the page is still starting: no model or profile yet');
    }
    const { deadlineMs, pinned } = this.state.settings;
    // A pinned plan first; else the map's entry for the current segment (dynamic mode), whose
    // samples reach the detector as they are measured; else the planner's choice.
    const r = await this.session.classify(
      pixels,
      deadlineMs,
      () => pinned ?? (this.dynamic ? (this.dynamic.plan ?? this.dynamic.observe()) : undefined),
    );
    const co = this.session.co;
    this.update({
      calibration: { device: co.calibration.side('device'), edge: co.calibration.side('edge') },
    });
    return r;
  }

  private show(r: Classification, meta: Omit<ShownInput, 'pixels'>): void {
    const co = this.session.co;
    if (!co) return;
    const { deadlineMs } = this.state.settings;
    const path = co.paths[r.plan.exit];
    const request = this.state.requests + 1;
    const exitName = this.manifest?.architecture.exits[r.plan.exit]?.name ?? `exit ${r.plan.exit}`;
    const t = this.seconds();
    const met = r.measured.total <= deadlineMs;
    const record: AnswerRecord = {
      request,
      t,
      source: meta.source,
      name: meta.name,
      label: r.label,
      className: FASHION_MNIST_CLASSES[r.label] ?? `class ${r.label}`,
      confidence: r.confidence,
      ...(meta.trueLabel === undefined ? {} : { trueLabel: meta.trueLabel }),
      exit: r.plan.exit,
      partition: r.plan.partition,
      online: r.online,
      deadlineMs,
      met,
      feasible: r.plan.feasible,
      ...(r.bandwidth ? { bandwidthBps: r.bandwidth.bps } : {}),
      predicted: r.plan.predicted,
      measured: r.measured,
    };
    const previous = this.state.log.at(-1);
    let history = this.state.history;
    if (previous && (previous.exit !== r.plan.exit || previous.partition !== r.plan.partition)) {
      const event: HistoryEvent = {
        t,
        kind: 'plan',
        label: `plan: exit ${r.plan.exit}, partition ${r.plan.partition}`,
      };
      history = pushEvent(history, event);
    }
    const log = [...this.state.log, record];
    this.update({
      log: log.length > LOG_LIMIT ? log.slice(log.length - LOG_LIMIT) : log,
      requests: request,
      classifyError: undefined,
      result: {
        request,
        label: r.label,
        className: FASHION_MNIST_CLASSES[r.label] ?? `class ${r.label}`,
        confidence: r.confidence,
        plan: r.plan,
        online: r.online,
        measured: r.measured,
        deadlineMs,
        met,
        baselines: r.baselines,
        top: topClasses(r.scores, 3),
        candidates: co.candidates(r.input),
        rttMs: r.input.rttMs,
        pinned: r.online && this.state.settings.pinned !== undefined,
        layers: (path?.layers ?? []).map((l) => ({ name: l.name, kind: l.kind })),
        exitName,
        source: meta.source,
        name: meta.name,
        ...(meta.trueLabel === undefined ? {} : { trueLabel: meta.trueLabel }),
        ...(r.bandwidth ? { bandwidthBps: r.bandwidth.bps } : {}),
        ...(this.dynamic && r.online
          ? { dynamic: { segmentBps: this.dynamic.segmentBps, changes: this.dynamic.changes } }
          : {}),
      },
      history: pushRequest(history, {
        t,
        exit: r.plan.exit,
        partition: r.plan.partition,
        measuredMs: r.measured.total,
        predictedMs: r.plan.predicted.total,
        deadlineMs,
      }),
    });
  }

  /** Decodes an uploaded file and classifies it. */
  async upload(
    file: File,
    decode: (f: File, input: readonly number[]) => Promise<ModelPixels>,
  ): Promise<void> {
    try {
      const { pixels, inverted } = await decode(file, this.input);
      this.update({ uploadError: undefined });
      await this.classify(pixels, { source: 'upload', name: file.name, inverted });
    } catch (e) {
      this.update({ uploadError: message(e) });
    }
  }

  /** Runs another of the edge's models: the page starts again with it (it is in the URL). */
  switchModel(id: string): void {
    if (id === this.modelId) return;
    const url = new URL(location.href);
    url.searchParams.set('model', id);
    location.assign(url.href);
  }

  setDeadline(ms: number): void {
    const deadlineMs = Math.min(2000, Math.max(1, Math.round(ms)));
    this.dynamic?.setDeadline(deadlineMs);
    this.update({ settings: { ...this.state.settings, deadlineMs } });
  }

  /** Runs `plan` for the next answers instead of the planner's choice; undefined lets the planner choose. */
  pinPlan(plan: { exit: number; partition: number } | undefined): void {
    const { pinned: _, ...rest } = this.state.settings;
    this.update({ settings: plan ? { ...rest, pinned: { ...plan } } : rest });
  }

  setEncoding(encoding: Encoding): void {
    const co = this.session.co;
    if (co) co.encoding = encoding;
    this.dynamic?.rebuild();
    this.dynamic?.observe();
    this.update({ settings: { ...this.state.settings, encoding } });
  }

  setMode(mode: Mode): void {
    this.dynamic = undefined;
    const co = this.session.co;
    if (mode === 'dynamic' && co) {
      this.dynamic = new DynamicMode(co, { deadlineMs: this.state.settings.deadlineMs });
      this.dynamic.observe();
    }
    this.update({ settings: { ...this.state.settings, mode } });
  }

  /** Sends the simulated link to the edge; then forgets the estimate and measures again. */
  async applyLink(form: LinkForm): Promise<void> {
    const checked = linkSettingsOf(form);
    if (!checked.ok) {
      this.update({ link: { ...this.state.link, error: checked.message } });
      return;
    }
    this.update({ link: { ...this.state.link, applying: true, error: undefined } });
    try {
      const settings = checked.settings;
      await this.session.setLink(settings, () => {
        const applied = describeLink(settings);
        const trace =
          settings.mode === 'trace'
            ? this.state.link.details.find((d) => d.name === settings.trace)
            : undefined;
        this.update({
          link: {
            ...this.state.link,
            applied,
            appliedAt: this.seconds(),
            replaying:
              trace && settings.mode === 'trace'
                ? { name: trace.name, durationS: trace.durationS, scale: settings.scale ?? 1 }
                : undefined,
            bps: undefined,
            rttMs: undefined,
            measuredAt: undefined,
          },
          history: pushEvent(this.state.history, {
            t: this.seconds(),
            kind: 'link',
            label: `link: ${applied}`,
          }),
        });
        // The dynamic mode's detector keeps running: the new link's samples are what it is for.
      });
      this.update({ link: { ...this.state.link, applying: false } });
    } catch (e) {
      this.update({ link: { ...this.state.link, applying: false, error: message(e) } });
    }
  }

  /** Keeps the fastest or the median round of each timing from now on, and profiles again. */
  async setProfileStatistic(statistic: 'min' | 'median'): Promise<void> {
    if (statistic === this.state.settings.profileStatistic) return;
    this.storage.setItem(STATISTIC_KEY, statistic);
    this.update({ settings: { ...this.state.settings, profileStatistic: statistic } });
    await this.reprofile();
  }

  /**
   * Simulates a device `factor` times slower (1: this device as it is): from the next request on,
   * every head call really takes that much longer, and the device is profiled again at that
   * speed (once per factor; later from the cache), so the planner measures the slower device.
   */
  async setDeviceSlowdown(factor: number): Promise<void> {
    if (!(Number.isFinite(factor) && factor >= 1 && factor <= MAX_SLOWDOWN)) {
      throw new RangeError(`device slow-down must be from 1 to ${MAX_SLOWDOWN}, got ${factor}`);
    }
    if (factor === this.state.settings.deviceSlowdown) return;
    this.storage.setItem(SLOWDOWN_KEY, String(factor));
    await this.queue
      .run(async () => {
        this.slowdown.factor = factor;
        this.update({
          settings: { ...this.state.settings, deviceSlowdown: factor },
          history: pushEvent(this.state.history, {
            t: this.seconds(),
            kind: 'device',
            label: `device: x${factor}`,
          }),
        });
        await this.profile(false);
      })
      .catch(() => {});
  }

  /** Profiles this device again on the current backend. */
  async reprofile(): Promise<void> {
    await this.queue.run(() => this.profile(true)).catch(() => {});
  }

  /** Moves the model to another backend, then loads or makes its profile. */
  async switchBackend(name: BackendName): Promise<void> {
    if (name === this.state.backend || this.state.switchingBackend) return;
    this.update({ switchingBackend: true });
    try {
      await this.queue.run(async () => {
        const previous = this.state.backend;
        if (this.model) disposeModel(this.model);
        this.model = undefined;
        try {
          await startBackend(name);
        } catch (e) {
          console.info(
            `Edgent: tfjs backend ${name} failed (${message(e)}); staying on ${previous}`,
          );
          if (previous) await startBackend(previous);
          this.rebuildModel();
          await this.buildCoInference();
          throw new Error(`${name} could not start (${message(e)}); still on ${previous}`);
        }
        this.storage.setItem(BACKEND_KEY, name);
        this.update({ backend: name, wasm: name === 'wasm' ? await wasmFlags() : undefined });
        this.rebuildModel();
        await this.profile(false);
        await this.buildCoInference();
      });
    } catch (e) {
      this.update({ classifyError: message(e) });
    } finally {
      this.update({ switchingBackend: false });
    }
  }

  private rebuildModel(): void {
    if (this.manifest && this.weights) {
      this.model = modelFromWeights(this.manifest.architecture, this.weights);
    }
  }
}

function modelInfo(manifest: ModelManifest, weights: Map<string, Float32Array>): AppState['model'] {
  const accuracy = manifest.evaluation?.exits ?? [];
  let bytes = 0;
  for (const w of weights.values()) bytes += w.byteLength;
  return {
    id: manifest.id,
    hash: manifest.hash,
    input: manifest.architecture.input,
    exits: manifest.architecture.exits.map((e, i) => ({
      name: e.name,
      accuracy: accuracy[i]?.accuracy ?? Number.NaN,
      layers: e.after + e.branch.length,
    })),
    bytes,
  };
}
