import type { FastifyPluginAsync } from 'fastify';
import type { EdgeMetrics } from '../metrics.js';

/**
 * Serves `GET /metrics`: the registry of `metrics` in the Prometheus text format.
 *
 * @example await app.register(metricsRoutes(createMetrics()));
 */
export function metricsRoutes(metrics: EdgeMetrics): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  };
}
