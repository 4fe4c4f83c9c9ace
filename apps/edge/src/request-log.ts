import {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';

/**
 * One log line per request, written when it is answered: method, path,
 * status and milliseconds. Routes that pages poll (profiling status, health,
 * metrics scrapes) log at debug, so a page waiting for the edge does not
 * flood the log. Query values of `token` never reach the log.
 */

/** Routes that are polled; their lines are logged at debug level. */
const POLLED = new Set(['/api/profile/status', '/api/health', '/api/ready', '/metrics']);

/** `url` with every `token=` query value replaced by `<hidden>`. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1<hidden>');
}

function polled(request: FastifyRequest, status: number): boolean {
  const path = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  // GET /api/profile answers 202 while the edge profiles itself: the page polls it then.
  return POLLED.has(path) || (path === '/api/profile' && status === 202);
}

/**
 * Fastify's own request lines ('incoming request', 'request completed') are
 * replaced by {@link logRequests}' one line; errors are still logged as Fastify does.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override routeNotFound(): void {}
  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) super.requestCompleted(error, request, reply);
  }
}

/** Installs the per-request log line on `app` (built with a {@link OneLinePerRequest}). */
export function logRequests(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const ms = Number(reply.elapsedTime.toFixed(1));
    const url = redactUrl(request.url);
    const level = polled(request, status) ? 'debug' : status >= 500 ? 'error' : 'info';
    request.log[level](
      { method: request.method, url, status, ms },
      `${request.method} ${url} ${status} ${ms} ms`,
    );
  });
}
