import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { banner, defaultLogFormat, EdgeError, loggerOptions, serve } from '@edgent/edge';
import type { Command } from 'commander';
import { choiceArg, intArg } from '../args';
import { defaultModelDir, repoRoot } from '../paths';
import { DURATION_FORMS, parseDuration } from '../units';
import { UsageError } from './train';

interface ServeFlags {
  port?: number;
  host: string;
  modelDir?: string[];
  workers?: number;
  backend: 'auto' | 'wasm' | 'cpu';
  token?: string;
  allowOrigin?: string[];
  allowHost?: string[];
  maxBatch?: number;
  maxQueuedBytes?: number;
  drainTimeout?: number;
  profileFile?: string;
  tracesDir?: string;
  logLevel: string;
  logFormat?: 'pretty' | 'json';
  https: boolean;
  httpsPort?: number;
  cert?: string;
  key?: string;
  qr: boolean;
  maxPayload?: number;
  maxInFlight?: number;
  requestTimeout?: number;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the edge server: the page, /ws co-inference, /api and /metrics')
    .option(
      '--port <n>',
      'port to listen on (0: any free port); default $PORT or 8080',
      intArg(0, 65535),
    )
    .option(
      '--host <addr>',
      'address to listen on; default $HOST or 0.0.0.0',
      process.env.HOST ?? '0.0.0.0',
    )
    .option(
      '--model-dir <dir...>',
      'model folders to serve, the default model first; default $EDGENT_MODEL_DIR or the shipped default, then every other model under models/',
    )
    .option(
      '--https-port <n>',
      'HTTPS port, for phones and Pis on the LAN (0: any free port); default 8443',
      intArg(0, 65535),
    )
    .option('--no-https', 'serve plain HTTP only (no camera or WASM threads off localhost)')
    .option('--cert <file>', 'the TLS certificate (PEM) to use instead of a self-signed one')
    .option('--key <file>', 'the private key (PEM) of --cert')
    .option('--no-qr', 'do not print the QR code of the LAN address at start')
    .option('--workers <n>', 'inference worker threads (default: one per core)', intArg(1, 256))
    .option(
      '--backend <name>',
      'tfjs backend of the workers: auto (tfjs-node when installed, else wasm), wasm, cpu',
      choiceArg(['auto', 'wasm', 'cpu'] as const),
      'auto',
    )
    .option(
      '--token <secret>',
      'require this bearer token (or ?token=) for /ws, /metrics and POST /api/profile/refresh',
    )
    .option(
      '--allow-origin <origin...>',
      "origins besides the edge's own pages that may open /ws and call admin routes",
    )
    .option(
      '--allow-host <host...>',
      "host names the edge answers to besides localhost, this machine's name and addresses ('*': any)",
    )
    .option('--profile-file <file>', 'serve this latency profile instead of profiling the edge')
    .option('--traces-dir <dir>', 'bandwidth traces (<name>.tsv) the link emulator may replay')
    .option(
      '--max-payload <bytes>',
      'largest tensor payload a frame may declare (default 4 MiB)',
      intArg(1024, 2 ** 30),
    )
    .option(
      '--max-in-flight <n>',
      'requests in flight per connection (default 8)',
      intArg(1, 10_000),
    )
    .option(
      '--max-batch <n>',
      'most examples one request frame may carry; more closes the session (default 64)',
      intArg(1, 65_536),
    )
    .option(
      '--max-queued-bytes <bytes>',
      'bytes queued on one connection (emulated link, unread replies) before it is closed (default: twice the largest frame)',
      intArg(1024, 2 ** 40),
    )
    .option(
      '--drain-timeout <time>',
      `on SIGTERM or Ctrl-C, how long to finish in-flight requests before exiting (default 10s): ${DURATION_FORMS}`,
      parseDuration,
    )
    .option(
      '--request-timeout <time>',
      `answer EDGENT_ERR_TIMEOUT after this long (default 10s): ${DURATION_FORMS}`,
      parseDuration,
    )
    .option(
      '--log-level <level>',
      'pino level: info logs one line per request; warn only problems',
      choiceArg(['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const),
      'info',
    )
    .option(
      '--log-format <format>',
      'pretty (readable lines; the default on a terminal) or json (the default otherwise)',
      choiceArg(['pretty', 'json'] as const),
    )
    .action(async (flags: ServeFlags) => {
      const port = flags.port ?? envPort();
      if (!flags.https && (flags.cert || flags.key || flags.httpsPort !== undefined)) {
        throw new UsageError('--no-https turns HTTPS off: drop --https-port, --cert and --key');
      }
      if ((flags.cert === undefined) !== (flags.key === undefined)) {
        throw new UsageError('--cert and --key go together: give both, or neither');
      }
      if (
        flags.tracesDir !== undefined &&
        !statSync(flags.tracesDir, { throwIfNoEntry: false })?.isDirectory()
      ) {
        throw new UsageError(
          `--traces-dir ${flags.tracesDir} is not a folder; give a folder of <name>.tsv traces (seconds<TAB>Mbit/s)`,
        );
      }
      try {
        const [modelDir, ...moreModelDirs] = flags.modelDir?.map((d) => resolve(d)) ?? [
          resolve(process.env.EDGENT_MODEL_DIR ?? defaultModelDir),
          ...shippedModelDirs().filter((d) => d !== resolve(defaultModelDir)),
        ];
        const { addresses } = await serve(
          {
            modelDir: modelDir as string,
            moreModelDirs,
            backend: flags.backend,
            logger: loggerOptions(flags.logLevel, flags.logFormat ?? defaultLogFormat()),
            ...(flags.workers === undefined ? {} : { workers: flags.workers }),
            ...(flags.token === undefined ? {} : { token: flags.token }),
            ...(flags.allowOrigin === undefined ? {} : { allowedOrigins: flags.allowOrigin }),
            ...(flags.allowHost === undefined ? {} : { allowedHosts: flags.allowHost }),
            ...(flags.maxBatch === undefined ? {} : { maxBatch: flags.maxBatch }),
            ...(flags.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: flags.maxQueuedBytes }),
            ...(flags.drainTimeout === undefined
              ? {}
              : { drainTimeoutMs: Math.round(flags.drainTimeout) }),
            ...(flags.profileFile === undefined ? {} : { profileFile: resolve(flags.profileFile) }),
            ...(flags.tracesDir === undefined ? {} : { tracesDir: resolve(flags.tracesDir) }),
            ...(flags.maxPayload === undefined ? {} : { maxPayloadBytes: flags.maxPayload }),
            ...(flags.maxInFlight === undefined ? {} : { maxInFlight: flags.maxInFlight }),
            ...(flags.requestTimeout === undefined
              ? {}
              : { requestTimeoutMs: Math.round(flags.requestTimeout) }),
          },
          {
            port,
            host: flags.host,
            https: flags.https
              ? {
                  port: flags.httpsPort ?? 8443,
                  ...(flags.cert
                    ? { cert: resolve(flags.cert), key: resolve(flags.key ?? '') }
                    : {}),
                }
              : false,
          },
        );
        process.stdout.write(banner(addresses, { qr: flags.qr }));
      } catch (e) {
        if (e instanceof EdgeError && e.code === 'EDGENT_ERR_BAD_OPTION') {
          throw new UsageError(e.message);
        }
        throw e;
      }
    });
}

/** Every model folder under the repository's models/ (one with a manifest.json). */
function shippedModelDirs(): string[] {
  const root = join(repoRoot, 'models');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'manifest.json')))
    .map((d) => resolve(root, d.name))
    .sort();
}

function envPort(): number {
  const value = process.env.PORT;
  if (value === undefined) return 8080;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`PORT must be a whole number from 0 to 65535, got "${value}"`);
  }
  return port;
}
