import { wsChannel } from '@edgent/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { systemClock } from '../link/clock.js';
import { emulatedChannel } from '../link/emulated-channel.js';
import { LinkEmulator } from '../link/emulator.js';
import { loadTrace } from '../link/traces.js';
import type { EdgeMetrics } from '../metrics.js';
import type { ResolvedEdgeOptions } from '../options.js';
import type { InferencePool } from '../pool/index.js';
import type { ProfileStore } from '../profile-store.js';
import { openSession } from '../session.js';

/** What the /ws route serves with. */
export interface WsRouteDeps {
  options: ResolvedEdgeOptions;
  pool: InferencePool;
  metrics: EdgeMetrics;
  profiles: ProfileStore;
}

/** Whether `request` carries the token, as a bearer header or a `token` query parameter. */
export function hasToken(request: FastifyRequest, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = request.headers.authorization;
  if (header === `Bearer ${token}`) return true;
  const query = request.query as Record<string, unknown> | undefined;
  return query?.token === token;
}

/** Whether the page at `origin` may open a session (same host, or listed). */
function originAllowed(request: FastifyRequest, allowed: string[] | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || allowed === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * GET /ws: one co-inference session per WebSocket (see session.ts), behind
 * the link emulator of that connection. Needs @fastify/websocket registered
 * on the app (buildApp does, with the message size cap).
 */
export function wsRoutes(deps: WsRouteDeps): FastifyPluginAsync {
  return async (app) => {
    const { options, pool, metrics, profiles } = deps;
    app.get(
      '/ws',
      {
        websocket: true,
        preValidation: async (request, reply) => {
          if (!hasToken(request, options.token)) {
            return reply.code(401).send({
              statusCode: 401,
              code: 'EDGENT_ERR_UNAUTHORIZED',
              error: 'Unauthorized',
              message: 'this edge needs a token: Authorization: Bearer <token> or ?token=<token>',
            });
          }
          if (!originAllowed(request, options.allowedOrigins)) {
            return reply.code(403).send({
              statusCode: 403,
              code: 'EDGENT_ERR_ORIGIN',
              error: 'Forbidden',
              message: `origin ${request.headers.origin} may not open a session; allowed: ${options.allowedOrigins?.join(', ')}`,
            });
          }
        },
      },
      (socket, request) => {
        const link = new LinkEmulator(systemClock);
        const channel = emulatedChannel(wsChannel(socket as never), link);
        metrics.connectionOpened();
        const log = request.log;
        channel.onClose(() => {
          metrics.connectionClosed();
          log.info('session closed');
        });
        openSession(channel, {
          model: { id: pool.modelId, hash: pool.modelHash },
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
          onError: (code, message) => {
            metrics.countError(code);
            log.warn({ code, message }, 'error sent to device');
          },
        });
      },
    );
  };
}
