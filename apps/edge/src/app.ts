import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as zlib } from 'node:zlib';
import {
  type AddressesAnswer,
  HEADER_BYTES,
  type TraceSummary,
  type TracesAnswer,
} from '@edgent/protocol';
import compress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import type { EdgeAddresses } from './banner.js';
import { EdgeError } from './errors.js';
import { listTraces, summariseTraces } from './link/traces.js';
import { createMetrics } from './metrics.js';
import { type EdgeOptions, resolveOptions } from './options.js';
import { InferencePool } from './pool/index.js';
import { ProfileStore } from './profile-store.js';
import { logRequests, OneLinePerRequest, redactUrl } from './request-log.js';
import { galleryRoutes } from './routes/gallery.js';
import { metricsRoutes } from './routes/metrics.js';
import { profileRoutes } from './routes/profile.js';
import { hasToken, wsRoutes } from './routes/ws.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The edge's parts that the server entry and tests reach for. */
    edgent: {
      profiles: ProfileStore;
      metrics: ReturnType<typeof createMetrics>;
      /** Where the edge can be reached; `serve` fills it in once it listens. */
      addresses: EdgeAddresses | undefined;
    };
  }
}

/** The edge server's version, from its package.json. */
export const version: string = packageJson.version;

/** Headers that make the page cross-origin isolated (SharedArrayBuffer for tfjs wasm threads). */
const isolationHeaders = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
} as const;

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
  const app = Fastify({
    logger:
      logger === false
        ? false
        : { ...(logger === true ? {} : logger), serializers: requestSerializers },
    logController: new OneLinePerRequest(),
  });
  logRequests(app);

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(isolationHeaders);
    return payload;
  });
  // gzip or brotli for API answers over 1 KiB; the page's files are compressed at build time.
  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  });

  const metrics = createMetrics();
  await app.register(metricsRoutes(metrics));
  const profiles = new ProfileStore({
    modelDir,
    cacheDir: resolved.cacheDir,
    ...(resolved.profileFile ? { profileFile: resolved.profileFile } : {}),
    log: (msg, data) => app.log.info(data ?? {}, msg),
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/profile/refresh') && !hasToken(request, resolved.token)) {
      return reply.code(401).send({
        statusCode: 401,
        code: 'EDGENT_ERR_UNAUTHORIZED',
        error: 'Unauthorized',
        message: 'this edge needs a token: Authorization: Bearer <token> or ?token=<token>',
      });
    }
  });
  await app.register(profileRoutes(profiles));
  const edgent: FastifyInstance['edgent'] = { profiles, metrics, addresses: undefined };
  app.decorate('edgent', edgent);

  if (resolved.workers > 0) {
    const pool = await InferencePool.start({
      modelDir,
      workers: resolved.workers,
      backend: resolved.backend,
    });
    app.addHook('onClose', async () => pool.close());
    metrics.setQueueDepthSource(() => pool.queueDepth);
    metrics.setInFlightSource(() => pool.inFlight);
    app.log.info(
      { model: pool.modelId, workers: pool.workers, backends: pool.backends },
      'inference pool ready',
    );
    // Frames above the payload limit are refused from their header with an error frame;
    // messages over twice the limit are closed by the WebSocket layer (1009) before they are kept.
    await app.register(websocket, {
      options: { maxPayload: 2 * (resolved.maxPayloadBytes + HEADER_BYTES) },
    });
    await app.register(wsRoutes({ options: resolved, pool, metrics, profiles }));
  }

  app.get('/api/health', async () => ({ status: 'ok', version }));

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

  app.get('/api/models', async (_request, reply) => {
    const manifestPath = join(modelDir, 'manifest.json');
    let text: string;
    try {
      text = await readFile(manifestPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const missing = new EdgeError(
        'EDGENT_ERR_NO_MODEL',
        `no model manifest at ${manifestPath}; train or copy a model into ${modelDir}`,
      );
      return reply.code(404).send(errorBody(404, 'Not Found', missing));
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const bad = new EdgeError(
        'EDGENT_ERR_BAD_MANIFEST',
        `model manifest ${manifestPath} is not valid JSON: ${(error as Error).message}`,
      );
      return reply.code(500).send(errorBody(500, 'Internal Server Error', bad));
    }
  });

  // The model's files, for devices that run its head: manifest.json, weights.bin, profiles/.
  if (existsSync(modelDir) && statSync(modelDir).isDirectory()) {
    await app.register(fastifyStatic, {
      root: modelDir,
      prefix: '/model/',
      decorateReply: false,
      allowedPath: (path) => /^\/(manifest\.json|weights\.bin|profiles\/[\w.-]+\.json)$/.test(path),
    });
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

function errorBody(statusCode: number, error: string, cause: EdgeError) {
  return { statusCode, code: cause.code, error, message: cause.message };
}

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
