import type { FastifyPluginAsync } from 'fastify';
import type { EdgeMetrics } from '../metrics.js';

/**
 * Serves `GET /metrics`: the registry of `metrics` in the Prometheus text format. An admin
 * route: it needs the edge's token when one is set (Prometheus sends it as a bearer token).
 *
 * @example await app.register(metricsRoutes(createMetrics()));
 */
export function metricsRoutes(metrics: EdgeMetrics): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', { config: { admin: true } }, async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  };
}
