import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import { EdgeError } from './errors.js';
import { type EdgeOptions, resolveOptions } from './options.js';

/** The edge server's version, from its package.json. */
export const version: string = packageJson.version;

/** Headers that make the page cross-origin isolated (SharedArrayBuffer for tfjs wasm threads). */
const isolationHeaders = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
} as const;

/**
 * Builds the edge server without listening. Options are checked here, so a bad one fails at start.
 *
 * @example
 * const app = await buildApp({ modelDir: 'models/b-alexnet-fmnist', logger: false });
 * const res = await app.inject({ method: 'GET', url: '/api/health' });
 */
export async function buildApp(options: EdgeOptions = {}): Promise<FastifyInstance> {
  const { webRoot, modelDir, logger } = resolveOptions(options);
  const app = Fastify({ logger });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(isolationHeaders);
    return payload;
  });

  app.get('/api/health', async () => ({ status: 'ok', version }));

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

  if (existsSync(webRoot) && statSync(webRoot).isDirectory()) {
    await app.register(fastifyStatic, { root: webRoot });
  } else {
    app.log.info({ webRoot }, 'no built web page; serving the placeholder at /');
    app.get('/', async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(placeholder),
    );
  }

  return app;
}

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
    <p>The device page arrives with the web issue (<code>apps/web</code>).
    Until then, try <a href="/api/health">/api/health</a> and <a href="/api/models">/api/models</a>.</p>
  </body>
</html>
`;
