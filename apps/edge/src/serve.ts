import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { type EdgeAddresses, edgeAddresses } from './banner.js';
import { EdgeError } from './errors.js';
import { type EdgeOptions, resolveOptions } from './options.js';
import {
  certificateFromFiles,
  lanAddresses,
  selfSignedCertificate,
  type TlsMaterial,
} from './tls.js';

/** Where to listen. */
export interface ListenOptions {
  port: number;
  host: string;
  /**
   * HTTPS beside HTTP, on `port` (0: any free one), with the operator's
   * certificate or a self-signed one cached in `<cacheDir>/tls`; `false`
   * for HTTP only (the default).
   */
  https?: false | { port: number; cert?: string; key?: string };
}

/** A running edge. */
export interface Served {
  app: FastifyInstance;
  /** The plain-HTTP address a browser on this machine opens. */
  url: string;
  /** The HTTPS one, when HTTPS is on. */
  httpsUrl?: string;
  /** Every address a person may need (see banner.ts). */
  addresses: EdgeAddresses;
}

/** Throws EDGENT_ERR_PORT_IN_USE when another process listens on `host:port` (0 is always free). */
async function assertPortFree(host: string, port: number, flag: string): Promise<void> {
  if (port === 0) return;
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') return resolve(); // e.g. EACCES: listen() will say it
      reject(
        new EdgeError(
          'EDGENT_ERR_PORT_IN_USE',
          `port ${port} on ${host} is in use (another edgent serve?); stop that process or choose another port with ${flag}`,
        ),
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * Builds the edge, listens on HTTP and (when asked) HTTPS with the same app
 * (same routes, headers and /ws), starts profiling the edge in the
 * background when it has no profile yet (first start), and on SIGINT or
 * SIGTERM drains (see {@link shutDown}) and exits.
 */
export async function serve(options: EdgeOptions, listen: ListenOptions): Promise<Served> {
  const resolved = resolveOptions(options);
  // Said before the workers load the models, not seconds later.
  await assertPortFree(listen.host, listen.port, '--port');
  if (listen.https) await assertPortFree(listen.host, listen.https.port, '--https-port');
  const tls = listen.https
    ? await tlsMaterial(join(resolved.cacheDir, 'tls'), listen.https)
    : undefined;
  // The operator's certificate names the hosts devices will use: answer to them too.
  const hosts =
    options.allowedHosts === undefined && tls?.source === 'files'
      ? {
          allowedHosts: [
            ...new Set([...resolved.allowedHosts, ...tls.names.map((n) => n.toLowerCase())]),
          ],
        }
      : {};
  const app = await buildApp({ ...options, ...hosts });
  let httpsServer: HttpsServer | undefined;
  if (tls) {
    const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) =>
      app.routing(req, res),
    );
    // WebSocket upgrades go where @fastify/websocket listens for them.
    server.on('upgrade', (req, socket, head) => app.server.emit('upgrade', req, socket, head));
    server.on('tlsClientError', () => {
      // A browser that has not accepted the certificate yet hangs up; nothing to log.
    });
    httpsServer = server;
    app.addHook('onClose', async () => {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  }
  await app.listen({ port: listen.port, host: listen.host });
  const httpPort = portOf(app.server.address(), listen.port);
  let httpsPort: number | undefined;
  if (httpsServer && listen.https) {
    const server = httpsServer;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.https ? listen.https.port : 0, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch(async (error: unknown) => {
      await app.close();
      throw error;
    });
    httpsPort = portOf(server.address(), 0);
  }
  const addresses = edgeAddresses({
    host: listen.host,
    httpPort,
    ...(httpsPort === undefined ? {} : { httpsPort }),
    lanIps: lanAddresses(),
    hostName: hostname(),
    ...(tls ? { certificate: { source: tls.source, fingerprint: tls.fingerprint } } : {}),
  });
  app.edgent.addresses = addresses;
  // The edge profiles itself at first start; later starts read the cached profile.
  app.edgent.profiles.available().catch((error: unknown) => {
    app.log.error(error, 'edge profiling failed');
  });
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      shutDown(app, [httpsServer], resolved.drainTimeoutMs, signal).then(
        (clean) => process.exit(clean ? 0 : 1),
        (error: unknown) => {
          app.log.error(error, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return {
    app,
    url: addresses.local,
    ...(addresses.localHttps ? { httpsUrl: addresses.localHttps } : {}),
    addresses,
  };
}

/**
 * Shuts the edge down within `timeoutMs`: stops accepting connections, lets
 * every session answer what it received (see FastifyInstance['edgent'].drain),
 * sends each an EDGENT_ERR_GOING_AWAY error frame and a 1001 close, then
 * closes the app. Resolves true when all of that finished in time; false
 * when the time ran out first (the caller exits anyway).
 */
async function shutDown(
  app: FastifyInstance,
  extraServers: (HttpsServer | undefined)[],
  timeoutMs: number,
  signal: string,
): Promise<boolean> {
  const started = performance.now();
  // Replies, the going-away frames and app.close() need a moment after the last answer.
  const deadline = started + Math.max(0.8 * timeoutMs, timeoutMs - 1_000);
  const inFlight = app.edgent.connections.inFlight;
  app.log.info(
    { signal, sessions: app.edgent.connections.size, inFlight, drainTimeoutMs: timeoutMs },
    'draining',
  );
  // No new connections; idle keep-alive ones end. Fastify tolerates the second close later.
  for (const server of [app.server, ...extraServers]) {
    if (!server) continue;
    server.close(() => {});
    server.closeIdleConnections();
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outOfTime = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const done = (async () => {
    await app.edgent.drain(deadline);
    await app.close();
    return true as const;
  })();
  const clean = await Promise.race([done, outOfTime]);
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  if (clean) app.log.info({ ms }, 'drained and closed');
  else app.log.warn({ ms, drainTimeoutMs: timeoutMs }, 'drain timed out; exiting anyway');
  return clean;
}

/** The operator's certificate files when given, else the self-signed one cached in `tlsDir`. */
async function tlsMaterial(
  tlsDir: string,
  https: { cert?: string; key?: string },
): Promise<TlsMaterial> {
  if (https.cert !== undefined || https.key !== undefined) {
    if (https.cert === undefined || https.key === undefined) {
      throw new EdgeError(
        'EDGENT_ERR_BAD_OPTION',
        'options cert and key go together: give both files, or neither for a self-signed certificate',
      );
    }
    return certificateFromFiles(https.cert, https.key);
  }
  return selfSignedCertificate(tlsDir);
}

function portOf(address: ReturnType<FastifyInstance['server']['address']>, fallback: number) {
  return typeof address === 'object' && address !== null ? address.port : fallback;
}
