import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type DeviceProfile, profileSchema } from '@edgent/model';
import { EdgeError, type EdgeErrorCode } from './errors.js';
import type { LoadedModel } from './model-folders.js';
import type { FromProfileWorker, ProfileJob } from './profile-worker.js';

/** Options of {@link ProfileStore}. */
export interface ProfileStoreOptions {
  /**
   * The model to profile, as the edge read its folder (`readModelFolders`), or why that folder
   * could not be read (then every call rejects with that error).
   */
  model: LoadedModel | EdgeError;
  /** The cached profile lives at `<cacheDir>/edge-profile-<first 16 hex of model hash>.json`. */
  cacheDir: string;
  /**
   * Use this profile file instead of profiling (e.g. models/b-alexnet-fmnist/profiles/edge.json);
   * it must be for the same model id.
   */
  profileFile?: string;
  /** Passed to profileDevice: perKind, warmup, runs (defaults as `edgent profile`: 24, 2, 15). */
  settings?: { perKind?: number; warmup?: number; runs?: number };
  log?: (msg: string, data?: object) => void;
}

/** Where the store's profile came from. */
export type ProfileSource = 'file' | 'cache' | 'profiled';

/** What {@link ProfileStore.status} reports. */
export interface ProfileStatus {
  state: 'idle' | 'profiling' | 'ready' | 'failed';
  /** When the store entered `state` (ISO 8601). */
  since: string;
  /** While profiling: the phase and its rounds (phase `starting` until the worker reports). */
  progress?: { phase: string; done: number; total: number };
  /** When failed: what went wrong, and its stable code. */
  error?: string;
  code?: EdgeErrorCode;
  /** Where the profile served now came from, when there is one (also while re-profiling). */
  source?: ProfileSource;
}

interface ModelId {
  id: string;
  hash: string;
}

/**
 * The edge's own latency profile: from a configured file, else from the on-disk cache, else
 * profiled in a worker thread (the server keeps answering meanwhile) and cached. Once there is
 * a profile it stays served, also while {@link ProfileStore.refresh} re-profiles.
 *
 * @example
 * const store = new ProfileStore({ model: await loadModelDir(dir), cacheDir: '.cache' });
 * const profile = await store.get(); // seconds the first time, then from the cache
 */
export class ProfileStore {
  readonly #model: LoadedModel | EdgeError;
  readonly #cacheDir: string;
  readonly #profileFile: string | undefined;
  readonly #settings: ProfileJob['settings'];
  readonly #log: (msg: string, data?: object) => void;

  #profile: DeviceProfile | undefined;
  #source: ProfileSource | undefined;
  #state: ProfileStatus['state'] = 'idle';
  #since = new Date().toISOString();
  #progress: ProfileStatus['progress'];
  #error: EdgeError | undefined;
  /** The file or cache has been consulted (found or not); not retried after success. */
  #loaded = false;
  #loading: Promise<void> | undefined;
  /** The profiling run in progress. */
  #run: Promise<DeviceProfile> | undefined;
  /** The last run's failure, until a new run starts; `get()` does not retry on its own. */
  #runError: EdgeError | undefined;
  #worker: Worker | undefined;
  #closed = false;

  constructor(options: ProfileStoreOptions) {
    this.#model = options.model;
    this.#cacheDir = resolve(options.cacheDir);
    this.#profileFile =
      options.profileFile === undefined ? undefined : resolve(options.profileFile);
    this.#settings = {
      perKind: options.settings?.perKind ?? 24,
      warmup: options.settings?.warmup ?? 2,
      runs: options.settings?.runs ?? 15,
    };
    this.#log = options.log ?? (() => {});
  }

  /**
   * The cached/file profile if there is one, else starts profiling in a worker (once; concurrent
   * callers share it). After a failed run it rejects with that failure until {@link refresh}.
   */
  async get(): Promise<DeviceProfile> {
    const now = await this.available();
    if (now) return now;
    if (this.#run) return this.#run;
    if (this.#profile) return this.#profile;
    throw this.#runError ?? new EdgeError('EDGENT_ERR_PROFILE_FAILED', 'no profile and no run');
  }

  /**
   * The profile if one is at hand (in memory, the profile file or the cache), else `undefined`
   * after starting a profiling run if none is running. Never waits for profiling. Rejects with an
   * {@link EdgeError} if the model or the profile file cannot be read, or the last run failed.
   */
  async available(): Promise<DeviceProfile | undefined> {
    if (this.#profile) return this.#profile;
    await this.#load();
    if (this.#profile) return this.#profile;
    if (this.#run) return undefined;
    if (this.#runError) throw this.#runError;
    void this.#startRun();
    return undefined;
  }

  /** Starts a new profiling run (ignores the cache), replaces the cache when done. */
  refresh(): Promise<DeviceProfile> {
    return this.#run ?? this.#startRun();
  }

  /** Whether a profile is at hand (also while a refresh runs). */
  get ready(): boolean {
    return this.#profile !== undefined;
  }

  /** What the store is doing now, for `GET /api/profile/status`. */
  get status(): ProfileStatus {
    return {
      state: this.#state,
      since: this.#since,
      ...(this.#state === 'profiling' && this.#progress ? { progress: { ...this.#progress } } : {}),
      ...(this.#state === 'failed' && this.#error
        ? { error: this.#error.message, code: this.#error.code }
        : {}),
      ...(this.#profile && this.#source ? { source: this.#source } : {}),
    };
  }

  /** Stops a running profiling worker; later runs fail. The route plugin calls this on app close. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#worker?.terminate();
  }

  #enter(state: ProfileStatus['state'], error?: EdgeError): void {
    this.#state = state;
    this.#since = new Date().toISOString();
    this.#error = error;
  }

  async #load(): Promise<void> {
    if (this.#loaded) return;
    // A failed load is not remembered: the model or the file may be fixed on disk meanwhile.
    this.#loading ??= this.#loadOnce()
      .then(
        (found) => {
          this.#loaded = true;
          if (found && !this.#profile) {
            this.#profile = found.profile;
            this.#source = found.source;
            if (!this.#run) this.#enter('ready');
          }
        },
        (e: unknown) => {
          if (!this.#run) this.#enter('failed', asEdgeError(e));
          throw e;
        },
      )
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }

  async #loadOnce(): Promise<{ profile: DeviceProfile; source: ProfileSource } | undefined> {
    const model = await this.#readModel();
    if (this.#profileFile !== undefined) {
      return { profile: await this.#readProfileFile(this.#profileFile, model), source: 'file' };
    }
    const path = this.#cachePath(model);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.#log('no cached edge profile; profiling', { path });
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.#log('ignoring cached edge profile: not JSON; profiling', {
        path,
        reason: (e as Error).message,
      });
      return undefined;
    }
    const wrong = whyNotProfileOf(value, model, true);
    if (wrong !== undefined) {
      this.#log('ignoring cached edge profile; profiling', { path, reason: wrong });
      return undefined;
    }
    this.#log('edge profile from the cache', { path });
    return { profile: value as DeviceProfile, source: 'cache' };
  }

  async #readProfileFile(path: string, model: ModelId): Promise<DeviceProfile> {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new EdgeError(
        'EDGENT_ERR_BAD_PROFILE',
        `cannot read profile file ${path}: ${(e as Error).message}`,
      );
    }
    const wrong = whyNotProfileOf(value, model, false);
    if (wrong !== undefined) {
      throw new EdgeError('EDGENT_ERR_BAD_PROFILE', `profile file ${path} ${wrong}`);
    }
    const profile = value as DeviceProfile;
    if (profile.model.hash !== undefined && profile.model.hash !== model.hash) {
      this.#log('profile file was measured on other weights of the same model', {
        path,
        profileHash: profile.model.hash,
        modelHash: model.hash,
      });
    }
    this.#log('edge profile from file', { path });
    return profile;
  }

  /** The id and hash of the model, or the error its folder gave. */
  async #readModel(): Promise<ModelId> {
    if (this.#model instanceof EdgeError) throw this.#model;
    return { id: this.#model.manifest.id, hash: this.#model.manifest.hash };
  }

  #cachePath(model: ModelId): string {
    const hex = model.hash.replace(/^sha256:/, '').slice(0, 16);
    return join(this.#cacheDir, `edge-profile-${hex}.json`);
  }

  #startRun(): Promise<DeviceProfile> {
    this.#runError = undefined;
    this.#progress = { phase: 'starting', done: 0, total: 0 };
    this.#enter('profiling');
    const run = this.#profileAndCache().then(
      (profile) => {
        this.#run = undefined;
        this.#profile = profile;
        this.#source = 'profiled';
        this.#enter('ready');
        return profile;
      },
      (e: unknown) => {
        this.#run = undefined;
        const error = asEdgeError(e);
        this.#runError = error;
        this.#enter('failed', error);
        this.#log('profiling the edge failed', { code: error.code, reason: error.message });
        throw error;
      },
    );
    this.#run = run;
    // A run started for a route is not awaited there; its failure is kept in the status.
    run.catch(() => {});
    return run;
  }

  async #profileAndCache(): Promise<DeviceProfile> {
    const model = await this.#readModel();
    this.#log('profiling the edge in a worker thread', { model: model.id, ...this.#settings });
    const profile = await this.#profileInWorker();
    const path = this.#cachePath({ ...model, hash: profile.model.hash ?? model.hash });
    try {
      await writeAtomically(path, `${JSON.stringify(profile, null, 2)}\n`);
      this.#log('profiled the edge', { durationMs: profile.durationMs, cache: path });
    } catch (e) {
      this.#log('profiled the edge, but could not cache it', {
        path,
        reason: (e as Error).message,
      });
    }
    return profile;
  }

  #profileInWorker(): Promise<DeviceProfile> {
    if (this.#closed) return Promise.reject(stopped());
    const { manifest, weights } = this.#model as LoadedModel; // #readModel checked it
    const job: ProfileJob = {
      spec: manifest.architecture,
      weights,
      hash: manifest.hash,
      settings: this.#settings,
    };
    const worker = new Worker(new URL('./profile-worker-entry.mjs', import.meta.url), {
      workerData: job,
    });
    this.#worker = worker;
    return new Promise<DeviceProfile>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: EdgeError | DeviceProfile) => {
        if (settled) return;
        settled = true;
        if (this.#worker === worker) this.#worker = undefined;
        void worker.terminate();
        if (outcome instanceof EdgeError) reject(outcome);
        else resolve(outcome);
      };
      const failed = (why: string) =>
        new EdgeError('EDGENT_ERR_PROFILE_FAILED', `profiling ${manifest.id} failed: ${why}`);
      worker.on('message', (m: FromProfileWorker) => {
        if (m.type === 'progress') {
          this.#progress = { phase: m.phase, done: m.done, total: m.total };
        } else if (m.type === 'done') {
          settle(m.profile);
        } else {
          settle(failed(m.message));
        }
      });
      worker.on('error', (e) => settle(failed(`worker error: ${e.message}`)));
      worker.on('exit', (code) =>
        settle(this.#closed ? stopped() : failed(`worker exited with code ${code}`)),
      );
    });
  }
}

function stopped(): EdgeError {
  return new EdgeError('EDGENT_ERR_PROFILE_FAILED', 'profiling stopped: the profile store closed');
}

function asEdgeError(e: unknown): EdgeError {
  if (e instanceof EdgeError) return e;
  return new EdgeError('EDGENT_ERR_PROFILE_FAILED', (e as Error)?.message ?? String(e));
}

/**
 * Why `value` is not a usable profile of `model`, or `undefined` if it is. `sameWeights` also
 * requires the profile's model hash to match (a cache entry; a chosen file need only match the id).
 */
function whyNotProfileOf(value: unknown, model: ModelId, sameWeights: boolean): string | undefined {
  const checked = profileSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return `is not an edgent profile: ${issue?.path.join('.') || 'the document'}: ${issue?.message}`;
  }
  const p = checked.data;
  const id = p.model.id;
  if (id !== model.id) return `is for model ${JSON.stringify(id)}, not ${JSON.stringify(model.id)}`;
  if (sameWeights && p.model.hash !== model.hash) {
    return `is for model hash ${JSON.stringify(p.model.hash)}, not ${JSON.stringify(model.hash)}`;
  }
  return undefined;
}

/** Writes `path` whole or not at all: a temp file beside it, then a rename. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
