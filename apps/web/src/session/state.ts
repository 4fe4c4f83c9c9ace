import type { ConnectionState, SideCalibration } from '@edgent/device';
import type { BaselineName, Breakdown, Encoding, Plan } from '@edgent/planner';
import type { ModelSummary } from '@edgent/protocol';
import type { GalleryImage, TraceSummary } from '../edge/api';
import type { BackendName, Fallback } from '../runtime/backend';
import type { Capabilities } from '../runtime/capabilities';
import type { CachedProfile } from '../runtime/profile-cache';
import { EMPTY_HISTORY, type History } from './history';
import type { SweepRow } from './sweep';

/** The page's state, one immutable snapshot per change (read with useSyncExternalStore). */

export type Mode = 'static' | 'dynamic';

/** What the person set. */
interface Settings {
  deadlineMs: number;
  encoding: Encoding;
  mode: Mode;
  /**
   * Which round of each timing profiling keeps: the fastest (a device that runs steadily) or the
   * median (one that throttles or is busy; also what DevTools CPU throttling needs, whose
   * pauses the fastest 1 ms sample slips between).
   */
  profileStatistic: 'min' | 'median';
  /**
   * Simulated device speed (device emulation): every head call and profiling call really takes
   * this many times as long; 1 is this device as it is.
   */
  deviceSlowdown: number;
  /** A plan the person pinned (from the candidates): it runs instead of the planner's choice. */
  pinned?: { exit: number; partition: number };
}

/** The image the model saw last. */
export interface ShownInput {
  pixels: Uint8Array;
  source: 'gallery' | 'upload' | 'camera';
  name: string;
  trueLabel?: number;
  /** Whether the upload was inverted to look like Fashion-MNIST. */
  inverted?: boolean;
}

/** The last answer. */
interface ShownResult {
  request: number;
  label: number;
  className: string;
  confidence: number;
  plan: Plan;
  online: boolean;
  measured: Breakdown;
  deadlineMs: number;
  met: boolean;
  baselines: Record<BaselineName, Plan>;
  /** The exit path's layers. */
  layers: { name: string; kind: string }[];
  exitName: string;
  source: ShownInput['source'];
  name: string;
  trueLabel?: number;
  /** The link estimate the plan used, bit/s. */
  bandwidthBps?: number;
  /** Dynamic mode: the segment bandwidth the map entry was looked up for. */
  dynamic?: { segmentBps?: number; changes: number };
  /** The three most likely classes, softmax probabilities. */
  top: { label: number; className: string; probability: number }[];
  /** Every (exit, partition) the planner weighed for this answer. */
  candidates: Plan[];
  /** The RTT estimate the plan used, ms. */
  rttMs: number;
  /** The plan was pinned by the person, not chosen by the planner. */
  pinned: boolean;
}

/** One answer in the session's log (summary and export). */
export interface AnswerRecord {
  request: number;
  /** Seconds since the page started. */
  t: number;
  source: ShownInput['source'];
  name: string;
  label: number;
  className: string;
  confidence: number;
  trueLabel?: number;
  exit: number;
  partition: number;
  online: boolean;
  deadlineMs: number;
  met: boolean;
  feasible: boolean;
  bandwidthBps?: number;
  predicted: Breakdown;
  measured: Breakdown;
}

/** Whether the page runs in a secure context, and what that gives. */
interface ContextState {
  /** window.isSecureContext: HTTPS or localhost. */
  secure: boolean;
  /** getUserMedia exists (secure contexts only). */
  camera: boolean;
  /** crossOriginIsolated: WASM threads. */
  isolated: boolean;
  /** The edge's HTTPS address to offer in an insecure context. */
  httpsUrl?: string;
}

interface ProfileState {
  status: 'idle' | 'profiling' | 'ready' | 'failed';
  /** 0..100 while profiling. */
  progress: number;
  phase?: 'layers' | 'model';
  profile?: CachedProfile;
  fromCache?: boolean;
  error?: string;
}

interface LinkState {
  bps?: number;
  rttMs?: number;
  /** The setting the edge confirmed, as text. */
  applied: string;
  applying: boolean;
  error?: string;
  traces: string[];
  /** What each trace spans, from the edge. */
  details: TraceSummary[];
  /** When the edge confirmed the setting in force, seconds since the page started. */
  appliedAt?: number;
  /** The trace replayed now, with its scale (for the playback position). */
  replaying?: { name: string; durationS: number; scale: number };
  /** When the estimate was last updated, seconds since the page started. */
  measuredAt?: number;
}

export interface AppState {
  stage:
    | 'starting'
    | 'loading-model'
    | 'starting-backend'
    | 'profiling'
    | 'waiting-edge'
    | 'ready'
    | 'failed';
  /** Set when the page cannot go on. */
  fatal?: string;
  capabilities?: Readonly<Capabilities>;
  backend?: BackendName;
  backends: BackendName[];
  fallbacks: Fallback[];
  switchingBackend: boolean;
  wasm?: { simd: boolean; threads: boolean };
  /** The models the edge serves (empty until known, or when it does not list them). */
  models: ModelSummary[];
  model?: {
    id: string;
    hash: string;
    /** Input shape [height, width, channels]. */
    input: readonly number[];
    exits: { name: string; accuracy: number; layers: number }[];
    /** Bytes of weights fetched. */
    bytes: number;
  };
  profile: ProfileState;
  edgeProfile?: {
    source: 'edge' | 'shipped';
    backend: string;
    device: string;
    note?: string;
    /** While the edge profiles itself: its phase and rounds. */
    waiting?: { phase: string; done: number; total: number };
  };
  context?: ContextState;
  /** Predicted device-only ms of the last exit on this device. */
  deviceOnlyMs?: number;
  /** The online calibration of the latency models from the answers so far (CoInference.calibration). */
  calibration?: { device: SideCalibration; edge: SideCalibration };
  connection: ConnectionState;
  link: LinkState;
  settings: Settings;
  input?: ShownInput;
  result?: ShownResult;
  /** An answer is being computed. */
  busy: boolean;
  requests: number;
  classifyError?: string;
  uploadError?: string;
  camera: { on: boolean; starting: boolean; error?: string };
  gallery: { status: 'loading' | 'ready' | 'failed'; items: GalleryImage[]; error?: string };
  history: History;
  /** Every answer of the session (bounded), for the summary and the export. */
  log: AnswerRecord[];
  /** The link presets swept with a few gallery images each (SweepPanel). */
  sweep: {
    status: 'idle' | 'running' | 'done' | 'failed';
    /** Requests done and to do. */
    done: number;
    total: number;
    preset?: string;
    rows: SweepRow[];
    error?: string;
  };
}

export const INITIAL_STATE: AppState = {
  stage: 'starting',
  backends: [],
  fallbacks: [],
  switchingBackend: false,
  models: [],
  profile: { status: 'idle', progress: 0 },
  connection: { status: 'connecting', failures: 0 },
  link: { applied: 'off', applying: false, traces: [], details: [] },
  settings: {
    deadlineMs: 100,
    encoding: 'float32',
    mode: 'static',
    profileStatistic: 'min',
    deviceSlowdown: 1,
  },
  busy: false,
  requests: 0,
  camera: { on: false, starting: false },
  gallery: { status: 'loading', items: [] },
  history: EMPTY_HISTORY,
  sweep: { status: 'idle', done: 0, total: 0, rows: [] },
  log: [],
};
