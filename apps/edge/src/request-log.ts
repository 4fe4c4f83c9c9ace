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

/**
 * `url` with the value of every query parameter named `token` replaced by
 * `<hidden>`, however the name is written (`TOKEN`, `%74oken`, `+token`...):
 * the names are decoded as the router decodes them.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return decodedName(name).trim().toLowerCase() === 'token' ? `${name}=<hidden>` : pair;
    })
    .join('&');
  return `${url.slice(0, q + 1)}${redacted}${hash < 0 ? '' : url.slice(hash)}`;
}

function decodedName(name: string): string {
  const plus = name.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    // A malformed escape: decode what can be, so "%74oken%zz" still reads as near "token".
    return plus.replace(/%([0-9a-f]{2})/gi, (_m, h: string) =>
      String.fromCharCode(parseInt(h, 16)),
    );
  }
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
