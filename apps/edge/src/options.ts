import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { HEADER_BYTES } from '@edgent/protocol';
import type { FastifyServerOptions } from 'fastify';
import { EdgeError } from './errors.js';
import { defaultModelDir, defaultWebRoot, repoRoot } from './paths.js';
import { defaultAllowedHosts } from './security.js';

/** Options of {@link buildApp}. Every field is optional. */
export interface EdgeOptions {
  /** Folder of the built device page; a placeholder page is served while it does not exist. */
  webRoot?: string;
  /** Folder of the model the edge serves by default: `manifest.json` and `weights.bin`. */
  modelDir?: string;
  /** Folders of further models the edge serves; a device's hello chooses among them. */
  moreModelDirs?: string[];
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
  /** Most examples one request frame may carry; more closes the session (1008). Default 64. */
  maxBatch?: number;
  /**
   * Bytes that may be queued on one connection (held by its emulated link, or not yet read by
   * the device); more closes it (1008). Default: twice the largest frame.
   */
  maxQueuedBytes?: number;
  /** On SIGTERM/SIGINT, how long `serve` drains in-flight work before it exits, ms; default 10 000. */
  drainTimeoutMs?: number;
  /** Least time between two re-profilings asked for by POST /api/profile/refresh, ms; default 60 000. */
  profileRefreshIntervalMs?: number;
  /**
   * When set, /ws and the admin routes (/api/profile/refresh, /metrics) need
   * `Authorization: Bearer <token>` or `?token=<token>`.
   */
  token?: string;
  /**
   * Origins besides the edge's own whose pages may open /ws and call admin routes (e.g.
   * 'https://example.org'). Default none: the edge's own pages only.
   */
  allowedOrigins?: string[];
  /**
   * Host names (the `Host` header) the edge answers to besides localhost, this machine's name
   * and every address of its interfaces (a guard against DNS rebinding); `['*']` for any.
   */
  allowedHosts?: string[];
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
  moreModelDirs: string[];
  logger: NonNullable<FastifyServerOptions['logger']>;
  workers: number;
  backend: 'auto' | 'wasm' | 'cpu';
  maxPayloadBytes: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  maxBatch: number;
  maxQueuedBytes: number;
  drainTimeoutMs: number;
  profileRefreshIntervalMs: number;
  token: string | undefined;
  allowedOrigins: string[];
  allowedHosts: string[];
  tracesDir: string;
  cacheDir: string;
  profileFile: string | undefined;
}

const allowedKeys = [
  'webRoot',
  'modelDir',
  'moreModelDirs',
  'logger',
  'workers',
  'backend',
  'maxPayloadBytes',
  'maxInFlight',
  'requestTimeoutMs',
  'maxBatch',
  'maxQueuedBytes',
  'drainTimeoutMs',
  'profileRefreshIntervalMs',
  'token',
  'allowedOrigins',
  'allowedHosts',
  'tracesDir',
  'cacheDir',
  'profileFile',
] as const;

/** A host name or IPv4 address (no port), an IPv6 address (two colons or more), or '*'. */
const HOST_NAME = /^(\*|[A-Za-z0-9._-]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

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
  const hosts = options.allowedHosts;
  if (
    hosts !== undefined &&
    (!Array.isArray(hosts) ||
      hosts.length === 0 ||
      hosts.some((h) => typeof h !== 'string' || !HOST_NAME.test(h)))
  ) {
    throw badOption(
      'allowedHosts',
      hosts,
      "a non-empty array of host names or addresses without port (e.g. 'edge.lan', '192.168.1.20'), or ['*'] for any",
    );
  }
  const profileFile = options.profileFile;
  if (profileFile !== undefined && (typeof profileFile !== 'string' || !existsSync(profileFile))) {
    throw badOption('profileFile', profileFile, 'the path of an existing profile (edgent profile)');
  }
  const maxPayloadBytes = intOption(
    'maxPayloadBytes',
    options.maxPayloadBytes,
    4 * 2 ** 20,
    1024,
    2 ** 30,
  );
  const frameBytes = maxPayloadBytes + HEADER_BYTES;
  return {
    webRoot: folderOption('webRoot', options.webRoot, defaultWebRoot),
    modelDir: folderOption('modelDir', options.modelDir, defaultModelDir),
    moreModelDirs: foldersOption('moreModelDirs', options.moreModelDirs),
    logger,
    workers: intOption('workers', options.workers, availableParallelism(), 0, 256),
    backend,
    maxPayloadBytes,
    maxInFlight: intOption('maxInFlight', options.maxInFlight, 8, 1, 10_000),
    requestTimeoutMs: intOption('requestTimeoutMs', options.requestTimeoutMs, 10_000, 1, 3_600_000),
    maxBatch: intOption('maxBatch', options.maxBatch, 64, 1, 65_536),
    // A frame the payload limit allows must fit, or a device could never send it.
    maxQueuedBytes: intOption(
      'maxQueuedBytes',
      options.maxQueuedBytes,
      2 * frameBytes,
      frameBytes,
      2 ** 40,
    ),
    drainTimeoutMs: intOption('drainTimeoutMs', options.drainTimeoutMs, 10_000, 100, 3_600_000),
    profileRefreshIntervalMs: intOption(
      'profileRefreshIntervalMs',
      options.profileRefreshIntervalMs,
      60_000,
      0,
      86_400_000,
    ),
    token,
    allowedOrigins: origins ?? [],
    allowedHosts: [
      ...new Set([...defaultAllowedHosts(), ...(hosts ?? []).map((h) => h.toLowerCase())]),
    ],
    tracesDir: folderOption('tracesDir', options.tracesDir, shippedTraces, true),
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
function folderOption(name: string, value: unknown, fallback: string, mustExist = false): string {
  if (value === undefined) return fallback;
  const allowed = 'a path to a folder (a non-empty string)';
  if (typeof value !== 'string' || value.trim() === '') throw badOption(name, value, allowed);
  const path = resolve(value);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) {
    throw badOption(name, value, `${allowed}, but ${path} is not a folder`);
  }
  if (stat === undefined && mustExist) {
    throw badOption(name, value, `${allowed}, but ${path} does not exist`);
  }
  return path;
}

function foldersOption(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badOption(name, value, 'an array of model folder paths');
  return value.map((v, i) => folderOption(`${name}[${i}]`, v, ''));
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
