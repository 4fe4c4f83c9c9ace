export { buildApp, version } from './app.js';
export { banner, type EdgeAddresses, edgeAddresses } from './banner.js';
export { EdgeError, type EdgeErrorCode } from './errors.js';
export { defaultLogFormat, type LogFormat, loggerOptions } from './log-format.js';
export type { EdgeOptions } from './options.js';
export { type ListenOptions, type Served, serve } from './serve.js';
