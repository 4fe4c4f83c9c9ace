export { buildApp, version } from './app.js';
export { EdgeError, type EdgeErrorCode } from './errors.js';
export type { EdgeOptions } from './options.js';
export { type ListenOptions, serve } from './serve.js';
