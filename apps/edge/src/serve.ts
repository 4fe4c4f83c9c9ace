import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
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

/**
 * Builds the edge, listens on HTTP and (when asked) HTTPS with the same app
 * (same routes, headers and /ws), starts profiling the edge in the
 * background when it has no profile yet (first start), and closes cleanly
 * on SIGINT and SIGTERM.
 */
export async function serve(options: EdgeOptions, listen: ListenOptions): Promise<Served> {
  const tls = listen.https
    ? await tlsMaterial(join(resolveOptions(options).cacheDir, 'tls'), listen.https)
    : undefined;
  const app = await buildApp(options);
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
  return {
    app,
    url: addresses.local,
    ...(addresses.localHttps ? { httpsUrl: addresses.localHttps } : {}),
    addresses,
  };
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
