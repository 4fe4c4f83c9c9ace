import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { EdgeError } from './errors.js';
import { defaultModelDir, defaultWebRoot, repoRoot } from './paths.js';

/** Options of {@link buildApp}. Every field is optional. */
export interface EdgeOptions {
  /** Folder of the built device page; a placeholder page is served while it does not exist. */
  webRoot?: string;
  /** Folder of the model the edge serves: `manifest.json` and `weights.bin`. */
  modelDir?: string;
  /** Fastify's logger option: `false` for silence, `true` or pino options to log. */
  logger?: FastifyServerOptions['logger'];
  /** Inference worker threads; 0 serves HTTP only (no /ws). Default: the machine's cores. */
  workers?: number;
  /** tfjs backend of the workers: 'auto' (tfjs-node when installed, else wasm), 'wasm', 'cpu'. */
  backend?: 'auto' | 'wasm' | 'cpu';
  /** Largest payload a frame may declare, bytes; default 4 MiB. */
  maxPayloadBytes?: number;
  /** Requests in flight per connection; default 8. */
  maxInFlight?: number;
  /** A request not answered in this long gets EDGENT_ERR_TIMEOUT, ms; default 10 000. */
  requestTimeoutMs?: number;
  /** When set, /ws and /api/profile/refresh need `Authorization: Bearer <token>` or `?token=<token>`. */
  token?: string;
  /** Origins allowed to open /ws (e.g. 'https://example.org'); default: any. Same-origin pages always may. */
  allowedOrigins?: string[];
  /** Folder of bandwidth traces (`<name>.tsv`) the link emulator can replay. */
  tracesDir?: string;
  /** Where the edge caches its own latency profile; default `.cache/edge` in the repository. */
  cacheDir?: string;
  /** Serve this latency profile instead of profiling the edge at first start. */
  profileFile?: string;
}

/** {@link EdgeOptions} after validation, with defaults filled in and paths made absolute. */
export interface ResolvedEdgeOptions {
  webRoot: string;
  modelDir: string;
  logger: NonNullable<FastifyServerOptions['logger']>;
  workers: number;
  backend: 'auto' | 'wasm' | 'cpu';
  maxPayloadBytes: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  token: string | undefined;
  allowedOrigins: string[] | undefined;
  tracesDir: string;
  cacheDir: string;
  profileFile: string | undefined;
}

const allowedKeys = [
  'webRoot',
  'modelDir',
  'logger',
  'workers',
  'backend',
  'maxPayloadBytes',
  'maxInFlight',
  'requestTimeoutMs',
  'token',
  'allowedOrigins',
  'tracesDir',
  'cacheDir',
  'profileFile',
] as const;

/** The bandwidth traces shipped in the repository (traces/README.md). */
const shippedTraces = join(repoRoot, 'traces', 'norway-hsdpa');

/**
 * Checks `options` and fills in defaults.
 * Throws an {@link EdgeError} `EDGENT_ERR_BAD_OPTION` naming the option, the value received and
 * what is allowed.
 */
export function resolveOptions(options: EdgeOptions = {}): ResolvedEdgeOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw badOption('options', options, 'an object');
  }
  for (const key of Object.keys(options)) {
    if (!(allowedKeys as readonly string[]).includes(key)) {
      throw badOption(key, (options as Record<string, unknown>)[key], 'no such option', true);
    }
  }
  const logger = options.logger ?? { level: 'info' };
  if (typeof logger !== 'boolean' && (typeof logger !== 'object' || logger === null)) {
    throw badOption('logger', logger, 'a boolean or pino logger options (an object)');
  }
  const backend = options.backend ?? 'auto';
  if (!['auto', 'wasm', 'cpu'].includes(backend)) {
    throw badOption('backend', backend, "one of 'auto', 'wasm', 'cpu'");
  }
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
    throw badOption(
      'token',
      token === undefined ? token : '(hidden)',
      'a string of at least 8 characters',
    );
  }
  const origins = options.allowedOrigins;
  if (
    origins !== undefined &&
    (!Array.isArray(origins) ||
      origins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/]+$/.test(o)))
  ) {
    throw badOption('allowedOrigins', origins, "an array of origins like 'https://example.org'");
  }
  const profileFile = options.profileFile;
  if (profileFile !== undefined && (typeof profileFile !== 'string' || !existsSync(profileFile))) {
    throw badOption('profileFile', profileFile, 'the path of an existing profile (edgent profile)');
  }
  return {
    webRoot: folderOption('webRoot', options.webRoot, defaultWebRoot),
    modelDir: folderOption('modelDir', options.modelDir, defaultModelDir),
    logger,
    workers: intOption('workers', options.workers, availableParallelism(), 0, 256),
    backend,
    maxPayloadBytes: intOption(
      'maxPayloadBytes',
      options.maxPayloadBytes,
      4 * 2 ** 20,
      1024,
      2 ** 30,
    ),
    maxInFlight: intOption('maxInFlight', options.maxInFlight, 8, 1, 10_000),
    requestTimeoutMs: intOption('requestTimeoutMs', options.requestTimeoutMs, 10_000, 1, 3_600_000),
    token,
    allowedOrigins: origins,
    tracesDir: folderOption('tracesDir', options.tracesDir, shippedTraces),
    cacheDir: folderOption('cacheDir', options.cacheDir, join(repoRoot, '.cache', 'edge')),
    profileFile: profileFile === undefined ? undefined : resolve(profileFile),
  };
}

/** A whole number in [min, max]. */
function intOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badOption(name, value, `a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A folder path: a non-empty string naming a folder or nothing yet (not a file). */
function folderOption(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  const allowed = 'a path to a folder (a non-empty string)';
  if (typeof value !== 'string' || value.trim() === '') throw badOption(name, value, allowed);
  const path = resolve(value);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) {
    throw badOption(name, value, `${allowed}, but ${path} is not a folder`);
  }
  return path;
}

function badOption(name: string, value: unknown, allowed: string, unknown = false): EdgeError {
  const received = describe(value);
  const message = unknown
    ? `unknown option ${name} (received ${received}); allowed options: ${allowedKeys.join(', ')}`
    : `option ${name} must be ${allowed}; received ${received}`;
  return new EdgeError('EDGENT_ERR_BAD_OPTION', message);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${String(value)} (${typeof value})`;
}
