import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { Connection, type Connections } from '../connection.js';
import { EdgeError } from '../errors.js';
import { systemClock } from '../link/clock.js';
import { LinkEmulator } from '../link/emulator.js';
import { loadTrace } from '../link/traces.js';
import type { EdgeMetrics } from '../metrics.js';
import type { ResolvedEdgeOptions } from '../options.js';
import type { InferencePool } from '../pool/index.js';
import type { ProfileStore } from '../profile-store.js';
import { type AccessPolicy, hasToken, originAllowed } from '../security.js';
import { openSession } from '../session.js';

/** What the /ws route serves with. */
export interface WsRouteDeps {
  options: ResolvedEdgeOptions;
  policy: AccessPolicy;
  pool: InferencePool;
  metrics: EdgeMetrics;
  profiles: ProfileStore;
  connections: Connections;
  /** True once the edge drains for shutdown: new sessions are refused (503). */
  draining: () => boolean;
}

/**
 * GET /ws: one co-inference session per WebSocket (see session.ts), behind
 * the link emulator of that connection and its backlog bound
 * (connection.ts). Needs @fastify/websocket registered on the app (buildApp
 * does, with the message size cap).
 */
export function wsRoutes(deps: WsRouteDeps): FastifyPluginAsync {
  return async (app) => {
    const { options, pool, metrics, profiles, connections, policy } = deps;
    app.get(
      '/ws',
      {
        websocket: true,
        preValidation: async (request) => {
          if (deps.draining()) {
            throw new EdgeError(
              'EDGENT_ERR_GOING_AWAY',
              'the edge is shutting down; connect again later',
            );
          }
          if (!hasToken(request, options.token)) {
            throw new EdgeError(
              'EDGENT_ERR_UNAUTHORIZED',
              'this edge needs a token: Authorization: Bearer <token> or ?token=<token>',
            );
          }
          if (!originAllowed(request, policy)) {
            throw new EdgeError(
              'EDGENT_ERR_ORIGIN',
              `a page at ${request.headers.origin} may not open a session: only the edge's own pages${policy.allowedOrigins.length > 0 ? ` and ${policy.allowedOrigins.join(', ')}` : ''} may (--allow-origin)`,
            );
          }
        },
      },
      (socket, request) => {
        const link = new LinkEmulator(systemClock);
        const log = request.log;
        const onError = (code: string, message: string) => {
          metrics.countError(code);
          log.warn({ code, message }, 'error sent to device');
        };
        const connection = new Connection(socket as unknown as WebSocket, {
          link,
          maxQueuedBytes: options.maxQueuedBytes,
          onError,
        });
        connections.add(connection);
        metrics.connectionOpened();
        const session = openSession(connection.channel, {
          models: pool.models.map((m) => ({ id: m.id, hash: m.hash })),
          infer: (job, signal) => pool.run(job, signal),
          limits: options,
          now: () => performance.now(),
          setLink: async (s) => {
            if (s.mode === 'off') link.set({ mode: 'off' });
            else if (s.mode === 'fixed') {
              link.set({
                mode: 'fixed',
                rateBps: s.rateBps as number,
                ...(s.delayMs === undefined ? {} : { delayMs: s.delayMs }),
              });
            } else {
              const trace = await loadTrace(options.tracesDir, s.trace as string);
              link.set({
                mode: 'trace',
                trace,
                ...(s.scale === undefined ? {} : { scale: s.scale }),
                ...(s.delayMs === undefined ? {} : { delayMs: s.delayMs }),
              });
            }
            log.info({ link: s }, 'link emulation set');
          },
          profile: async () => (await profiles.get()) as unknown as Record<string, unknown>,
          onRequest: (r) => {
            metrics.observeRequest(r);
            log.info(
              {
                exit: r.exit,
                partition: r.partition,
                dtype: r.dtype,
                ok: r.ok,
                code: r.code,
                totalMs: Math.round(r.totalMs * 1000) / 1000,
                computeMs: Math.round(r.computeMs * 1000) / 1000,
              },
              'request',
            );
          },
          onError,
          terminate: (error, closeCode) => connection.terminate(error, closeCode),
          onClose: (code, reason) => {
            connections.delete(connection);
            metrics.connectionClosed();
            log.info({ code, reason }, 'session closed');
          },
        });
        connection.attach(session);
      },
    );
  };
}
