import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { EdgeError } from '../errors.js';
import type { ProfileStore } from '../profile-store.js';

/** The profile stores of the served models. */
export interface ProfileStores {
  /** The store of model `id`; the default model's without one; undefined for a model not served. */
  get(id?: string): ProfileStore | undefined;
  all(): ProfileStore[];
}

/** How often re-profiling may be asked for. */
export interface ProfileRouteOptions {
  /** Least time between two accepted POST /api/profile/refresh, ms; 0 for no limit. */
  refreshIntervalMs: number;
}

/**
 * Serves the edge's latency profile of each model from its store, never holding a request while
 * profiling (`?model=<id>` names the model; the default model's without it; 404
 * `EDGENT_ERR_NO_MODEL` for a model not served):
 * - `GET /api/profile`: 200 with the profile; 202 with `{ status }` while the first one is being
 *   profiled (the request starts that run); the previous profile stays served during a refresh;
 * - `POST /api/profile/refresh` (an admin route: the token when set, no cross-site calls): 202
 *   with `{ status }`, starting a run unless one is running; 429 `EDGENT_ERR_RATE_LIMITED` (with
 *   Retry-After) when asked again within `refreshIntervalMs` (profiling takes both cores);
 * - `GET /api/profile/status`: 200 with `{ status }`.
 * Errors are `{ statusCode, code, error, message }` (error-handler.ts): 404 `EDGENT_ERR_NO_MODEL`, else 500.
 * Closing the app stops a running profiling worker. Needs @fastify/rate-limit registered.
 *
 * @example await app.register(profileRoutes(store, { refreshIntervalMs: 60_000 }));
 */
export function profileRoutes(
  stores: ProfileStores,
  options: ProfileRouteOptions = { refreshIntervalMs: 0 },
): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onClose', async () => {
      await Promise.all(stores.all().map((s) => s.close()));
    });
    type ModelQuery = { Querystring: { model?: string } };
    // ?model=<id> picks a served model (default: the edge's default); ids are short names.
    const schema = {
      querystring: {
        type: 'object',
        properties: { model: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' } },
      },
    };
    const storeFor = (request: { query: { model?: string } }) => {
      const store = stores.get(request.query.model);
      if (!store) {
        throw new EdgeError(
          'EDGENT_ERR_NO_MODEL',
          `this edge serves no model ${JSON.stringify(request.query.model)} (GET /api/models lists them)`,
        );
      }
      return store;
    };

    app.get<ModelQuery>('/api/profile', { schema }, async (request, reply) => {
      const store = storeFor(request);
      const profile = await store.available();
      if (profile) {
        // A validator: a page that has the profile revalidates it for a 304, not the body.
        const tag = `"${profileTag(profile)}"`;
        reply.header('etag', tag).header('cache-control', 'no-cache');
        if (request.headers['if-none-match'] === tag) return reply.code(304).send();
        return profile;
      }
      return reply.code(202).send({ status: store.status });
    });

    const interval = options.refreshIntervalMs;
    const rateLimit =
      interval > 0
        ? {
            max: 1,
            timeWindow: interval,
            // One budget for the whole edge: profiling takes both cores whoever asks.
            keyGenerator: () => 'profile-refresh',
            errorResponseBuilder: (_request: unknown, context: { after: string }) =>
              new EdgeError(
                'EDGENT_ERR_RATE_LIMITED',
                `re-profiling was asked for less than ${Math.round(interval / 1000)} s ago; retry in ${context.after}`,
              ),
          }
        : false;
    app.post<ModelQuery>(
      '/api/profile/refresh',
      { schema, config: { admin: true, rateLimit } },
      async (request, reply) => {
        const store = storeFor(request);
        // Not awaited: the run takes seconds; its outcome shows in the status.
        store.refresh().catch(() => {});
        return reply.code(202).send({ status: store.status });
      },
    );

    app.get<ModelQuery>('/api/profile/status', { schema }, async (request) => {
      return { status: storeFor(request).status };
    });
  };
}

const tags = new WeakMap<object, string>();

/** A strong validator of the profile's content (hashed once per profile object). */
function profileTag(profile: object): string {
  let tag = tags.get(profile);
  if (!tag) {
    tag = createHash('sha256').update(JSON.stringify(profile)).digest('base64url').slice(0, 22);
    tags.set(profile, tag);
  }
  return tag;
}
