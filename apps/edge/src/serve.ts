import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { EdgeOptions } from './options.js';

/** Where to listen. */
export interface ListenOptions {
  port: number;
  host: string;
}

/**
 * Builds the edge, listens, starts profiling the edge in the background
 * when it has no profile yet (first start), and closes cleanly on SIGINT
 * and SIGTERM. Resolves with the app and the address a browser should open.
 */
export async function serve(
  options: EdgeOptions,
  listen: ListenOptions,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp(options);
  await app.listen({ port: listen.port, host: listen.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : listen.port;
  const shownHost = listen.host === '0.0.0.0' || listen.host === '::' ? 'localhost' : listen.host;
  // The edge profiles itself at first start; later starts read the cached profile.
  app.edgent.profiles.available().catch((error: unknown) => {
    app.log.error(error, 'edge profiling failed');
  });
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'closing');
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error(error, 'close failed');
          process.exit(1);
        },
      );
    });
  }
  return { app, url: `http://${shownHost}:${port}` };
}
