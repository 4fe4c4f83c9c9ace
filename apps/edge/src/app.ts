import { existsSync, statSync } from 'node:fs';
import { constants as zlib } from 'node:zlib';
import {
  type AddressesAnswer,
  HEADER_BYTES,
  type ModelsAnswer,
  type TraceSummary,
  type TracesAnswer,
} from '@edgent/protocol';
import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import type { EdgeAddresses } from './banner.js';
import { Connections } from './connection.js';
import { installErrorHandler } from './error-handler.js';
import { EdgeError } from './errors.js';
import { listTraces, summariseTraces } from './link/traces.js';
import { createMetrics } from './metrics.js';
import { readModelFolders } from './model-folders.js';
import { type EdgeOptions, resolveOptions } from './options.js';
import { InferencePool } from './pool/index.js';
import { ProfileStore } from './profile-store.js';
import { logRequests, OneLinePerRequest, redactUrl } from './request-log.js';
import { galleryRoutes } from './routes/gallery.js';
import { metricsRoutes } from './routes/metrics.js';
import { profileRoutes } from './routes/profile.js';
import { wsRoutes } from './routes/ws.js';
import { type AccessPolicy, guardRequests } from './security.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The edge's parts that the server entry and tests reach for. */
    edgent: {
      /** The default model's profile store. */
      profiles: ProfileStore;
      /** Every served model's profile store, by model id (the default's included). */
      profileStores: ReadonlyMap<string, ProfileStore>;
      metrics: ReturnType<typeof createMetrics>;
      /** Where the edge can be reached; `serve` fills it in once it listens. */
      addresses: EdgeAddresses | undefined;
      /** The open device connections. */
      connections: Connections;
      /** The inference pool, when the edge serves /ws. */
      pool: InferencePool | undefined;
      /**
       * Drains for shutdown by `deadline` (performance.now() ms): readiness turns 503, new
       * sessions are refused, in-flight requests are answered, then every session gets
       * EDGENT_ERR_GOING_AWAY and a 1001 close. Call app.close() after it.
       */
      drain: (deadline: number) => Promise<void>;
      readonly draining: boolean;
    };
  }
}

/** The edge server's version, from its package.json. */
export const version: string = packageJson.version;

/**
 * The page's Content-Security-Policy: its own scripts, plus what tfjs needs (WebAssembly
 * compilation; the wasm backend's pthread workers are made from blob: URLs); connections to
 * the edge itself only (fetch, the wasm files and the /ws WebSocket); camera frames and uploads
 * as blob: and data: images; no framing, plugins, or foreign forms.
 */
const contentSecurityPolicy = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'wasm-unsafe-eval'", 'blob:'],
    workerSrc: ["'self'", 'blob:'],
    connectSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    mediaSrc: ["'self'", 'blob:', 'mediastream:'],
    styleSrc: ["'self'", "'unsafe-inline'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * Builds the edge server without listening. Options are checked here, so a
 * bad one fails at start. With `workers > 0` (the default) it starts the
 * inference pool on the model (failing at start when the model folder is
 * bad) and serves co-inference sessions at /ws; `close()` stops the pool.
 *
 * @example
 * const app = await buildApp({ modelDir: 'models/b-alexnet-fmnist', logger: false, workers: 1 });
 * const res = await app.inject({ method: 'GET', url: '/api/health' });
 */
export async function buildApp(options: EdgeOptions = {}): Promise<FastifyInstance> {
  const resolved = resolveOptions(options);
  const { webRoot, modelDir, logger } = resolved;
  // Each folder read once, here (options resolved them), the default first; the catalog, the
  // profile stores and the pool all use what was read.
  const models = await readModelFolders([...new Set([modelDir, ...resolved.moreModelDirs])]);
  const app = Fastify({
    logger:
      logger === false
        ? false
        : { ...(logger === true ? {} : logger), serializers: requestSerializers },
    logController: new OneLinePerRequest(),
  });
  logRequests(app);

  const policy: AccessPolicy = {
    token: resolved.token,
    allowedHosts: resolved.allowedHosts,
    allowedOrigins: resolved.allowedOrigins,
  };
  installErrorHandler(app);
  guardRequests(app, policy);
  // Security headers on every answer: CSP, nosniff, no framing, no referrer, and cross-origin
  // isolation (COOP/COEP: SharedArrayBuffer for tfjs wasm threads). HSTS is left out: the
  // same edge serves plain HTTP too, and a self-signed certificate must stay skippable.
  await app.register(helmet, {
    contentSecurityPolicy,
    crossOriginEmbedderPolicy: { policy: 'require-corp' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
  });
  await app.register(rateLimit, { global: false });
  // gzip or brotli for API answers over 1 KiB; the page's files are compressed at build time.
  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  });

  const metrics = createMetrics();
  await app.register(metricsRoutes(metrics));
  // One profile store per model; --profile-file is the default model's.
  const profileStores = new Map<string, ProfileStore>();
  for (const [i, m] of models.entries()) {
    const store = new ProfileStore({
      model: m.model ?? m.error,
      cacheDir: resolved.cacheDir,
      ...(i === 0 && resolved.profileFile ? { profileFile: resolved.profileFile } : {}),
      log: (msg, data) => app.log.info({ model: m.id, ...data }, msg),
    });
    profileStores.set(m.id ?? '', store);
  }
  const defaultId = models[0]?.id ?? '';
  const profiles = profileStores.get(defaultId) as ProfileStore;
  await app.register(
    profileRoutes(
      {
        get: (id?: string) => profileStores.get(id ?? defaultId),
        all: () => [...profileStores.values()],
      },
      { refreshIntervalMs: resolved.profileRefreshIntervalMs },
    ),
  );
  const connections = new Connections();
  let draining: Promise<void> | undefined;
  const edgent: FastifyInstance['edgent'] = {
    profiles,
    profileStores,
    metrics,
    addresses: undefined,
    connections,
    pool: undefined,
    drain(deadline) {
      draining ??= connections.drain(deadline);
      return draining;
    },
    get draining() {
      return draining !== undefined;
    },
  };
  app.decorate('edgent', edgent);
  metrics.setSources({ inFlight: () => connections.inFlight });

  if (resolved.workers > 0) {
    // The workers need every model: a folder that could not be read stops the start here.
    const unreadable = models.find((m) => m.error);
    if (unreadable?.error) throw unreadable.error;
    const pool = await InferencePool.start({
      models: models.flatMap((m) => (m.model ? [m.model] : [])),
      workers: resolved.workers,
      backend: resolved.backend,
    });
    edgent.pool = pool;
    app.addHook('onClose', async () => pool.close());
    metrics.setSources({
      queued: () => pool.queueDepth,
      running: () => pool.running,
      workers: () => pool.workerStats(),
      pool: () => pool.health(),
      tasks: () => pool.taskCounts(),
    });
    app.log.info(
      {
        models: pool.models.map((m) => m.id),
        workers: pool.workers,
        backends: pool.backends,
      },
      'inference pool ready',
    );
    // Frames above the payload limit are refused from their header with an error frame;
    // messages over twice the limit are closed by the WebSocket layer (1009) before they are kept.
    await app.register(websocket, {
      options: { maxPayload: 2 * (resolved.maxPayloadBytes + HEADER_BYTES) },
      // On close (after a drain, or at once from app.close()): sessions get EDGENT_ERR_GOING_AWAY
      // and 1001 rather than a bare close.
      preClose: async function (this: FastifyInstance) {
        await edgent.drain(performance.now());
        await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
      },
    });
    await app.register(
      wsRoutes({
        options: resolved,
        policy,
        pool,
        metrics,
        profiles,
        connections,
        draining: () => edgent.draining,
      }),
    );
  }

  // Liveness: the process answers. It also says how the pool is, for a person looking.
  app.get('/api/health', async () => {
    const pool = edgent.pool?.health();
    return {
      status: pool && pool.ready < pool.workers ? 'degraded' : 'ok',
      version,
      ...(pool ? { pool } : {}),
    };
  });

  // Readiness: worth sending devices to. 503 while the pool is not whole (a broken worker being
  // replaced), before the edge's profile is known, and while draining for shutdown.
  app.get('/api/ready', async (_request, reply) => {
    const pool = edgent.pool?.health();
    const profile = profiles.status;
    const reasons = [
      ...(resolved.workers === 0 ? ['no inference workers (workers: 0)'] : []),
      ...(pool && pool.ready < pool.workers
        ? [`${pool.ready} of ${pool.workers} inference workers ready`]
        : []),
      ...(profiles.ready ? [] : [`the edge's latency profile is not known yet (${profile.state})`]),
      ...(edgent.draining ? ['the edge is shutting down'] : []),
    ];
    return reply
      .code(reasons.length === 0 ? 200 : 503)
      .send({ ready: reasons.length === 0, reasons, ...(pool ? { pool } : {}) });
  });

  await app.register(galleryRoutes());

  // Names, and what each trace spans (read once: the files do not change while serving).
  let summaries: Promise<TraceSummary[]> | undefined;
  app.get('/api/traces', async (): Promise<TracesAnswer> => {
    summaries ??= summariseTraces(resolved.tracesDir);
    return { traces: await listTraces(resolved.tracesDir), details: await summaries };
  });

  // Where a phone can reach this edge: the page offers the HTTPS address in an insecure context.
  app.get('/api/addresses', async (): Promise<AddressesAnswer> => {
    const a = edgent.addresses;
    return {
      https: a ? [...(a.localHttps ? [a.localHttps] : []), ...a.lan] : [],
      http: a ? [a.local, ...a.lanHttp] : [],
    };
  });

  // The served models: a summary of each (the default first), and each one's manifest.
  app.get('/api/models', async () => {
    // Nothing to list when the default model cannot be read: say why.
    const first = models[0];
    if (first?.error) throw first.error;
    const answer: ModelsAnswer = {
      default: defaultId,
      models: models
        .flatMap((f) => (f.model ? [f.model.manifest] : []))
        .map((m) => ({
          id: m.id,
          hash: m.hash,
          input: m.architecture.input,
          exits: m.architecture.exits.length,
          accuracy: m.evaluation?.exits.map((e) => e.accuracy) ?? [],
          files: `/models/${m.id}/`,
        })),
    };
    return answer;
  });
  app.get<{ Params: { id: string } }>('/api/models/:id', async (request) => {
    const entry = models.find((m) => m.id === request.params.id);
    if (!entry) {
      throw new EdgeError(
        'EDGENT_ERR_NO_MODEL',
        `this edge serves no model ${JSON.stringify(request.params.id)}; it serves ${models.map((m) => m.id).join(', ')}`,
      );
    }
    if (entry.model) return entry.model.manifest;
    throw entry.error;
  });

  // Each model's files, for devices that run its head (manifest.json, weights.bin, profiles/),
  // at /models/<id>/; the default model's also at /model/.
  const modelFiles = (path: string) =>
    /^\/(manifest\.json|weights\.bin|profiles\/[\w.-]+\.json)$/.test(path);
  for (const [i, m] of models.entries()) {
    const prefixes = [...(m.id ? [`/models/${m.id}/`] : []), ...(i === 0 ? ['/model/'] : [])];
    if (!existsSync(m.dir) || !statSync(m.dir).isDirectory()) continue;
    for (const prefix of prefixes) {
      await app.register(fastifyStatic, {
        root: m.dir,
        prefix,
        decorateReply: false,
        allowedPath: modelFiles,
      });
    }
  }

  if (existsSync(webRoot) && statSync(webRoot).isDirectory()) {
    await app.register(fastifyStatic, {
      root: webRoot,
      preCompressed: true,
      // Content-hashed bundles and the versioned wasm folder never change: cache them for good.
      // index.html is revalidated (ETag) so a new build is seen at once.
      setHeaders: (reply, path) => {
        const forever = /[/\\](assets|tfjs-wasm)[/\\]/.test(path);
        reply.header('cache-control', forever ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    app.log.info({ webRoot }, 'no built web page; serving the placeholder at /');
    app.get('/', async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(placeholder),
    );
  }

  return app;
}

/** Request fields in error logs, with tokens hidden. */
const requestSerializers = {
  req: (req: { method?: string; url?: string }) => ({
    method: req.method,
    url: req.url === undefined ? undefined : redactUrl(req.url),
  }),
};

const placeholder = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Edgent edge</title>
  </head>
  <body>
    <h1>Edgent edge is running</h1>
    <p>The device page is not built here: run <code>pnpm --filter @edgent/web build</code>
    (<code>bash scripts/start.sh</code> does it), then reload. Meanwhile, try
    <a href="/api/health">/api/health</a> and <a href="/api/models">/api/models</a>.</p>
  </body>
</html>
`;
