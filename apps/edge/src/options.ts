import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { EdgeError } from './errors.js';
import { defaultModelDir, defaultWebRoot } from './paths.js';

/** Options of {@link buildApp}. Every field is optional. */
export interface EdgeOptions {
  /** Folder of the built device page; a placeholder page is served while it does not exist. */
  webRoot?: string;
  /** Folder of the model served by `/api/models`: holds `manifest.json`. */
  modelDir?: string;
  /** Fastify's logger option: `false` for silence, `true` or pino options to log. */
  logger?: FastifyServerOptions['logger'];
}

/** {@link EdgeOptions} after validation, with defaults filled in and paths made absolute. */
export interface ResolvedEdgeOptions {
  webRoot: string;
  modelDir: string;
  logger: NonNullable<FastifyServerOptions['logger']>;
}

const allowedKeys = ['webRoot', 'modelDir', 'logger'] as const;

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
  return {
    webRoot: folderOption('webRoot', options.webRoot, defaultWebRoot),
    modelDir: folderOption('modelDir', options.modelDir, defaultModelDir),
    logger,
  };
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
