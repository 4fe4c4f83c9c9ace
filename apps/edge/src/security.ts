/**
 * Who may talk to the edge, decided on what the router matched (never on the
 * raw URL, which an encoding such as `/api/profile/%72efresh` would slip
 * past):
 * - every request names a host the edge serves (`Host`), against DNS
 *   rebinding: localhost, this machine's name and addresses, or `--allow-host`;
 * - routes marked `admin` (re-profiling, metrics) and `/ws` need the token when
 *   one is set, compared in constant time;
 * - a browser page of another origin may neither open `/ws` nor call an admin
 *   route, unless `--allow-origin` lists it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EdgeError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** An admin route: needs the token when the edge has one, and refuses cross-site calls. */
    admin?: boolean;
  }
}

/** What {@link guardRequests} checks against. */
export interface AccessPolicy {
  token: string | undefined;
  /** Host names and addresses the edge answers to; `['*']` for any. */
  allowedHosts: readonly string[];
  /** Origins besides the edge's own hosts whose pages may open /ws and call admin routes. */
  allowedOrigins: readonly string[];
}

/**
 * The hosts the edge answers to by default: localhost, this machine's name
 * (and `<name>.local`), and every address of its interfaces.
 */
export function defaultAllowedHosts(): string[] {
  const hosts = new Set(['localhost', '127.0.0.1', '::1']);
  const name = hostname().toLowerCase();
  if (name) {
    hosts.add(name);
    if (!name.includes('.')) hosts.add(`${name}.local`);
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) hosts.add(a.address.toLowerCase().replace(/%.*$/, ''));
  }
  return [...hosts];
}

/**
 * The host name of a `Host` header or an origin's host part, without port or IPv6 brackets.
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export function hostNameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') >>> 0);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * Whether `host` (a Host header) names a host of `policy`.
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export function hostAllowed(host: string | undefined, policy: AccessPolicy): boolean {
  if (policy.allowedHosts.includes('*')) return true;
  if (host === undefined) return true; // HTTP/1.0 without Host: no browser sends that
  const name = hostNameOf(host);
  return policy.allowedHosts.includes(name) || name.endsWith('.localhost');
}

/** Whether `request` carries the token, as a bearer header or a `token` query parameter. */
export function hasToken(request: FastifyRequest, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = request.headers.authorization;
  const bearer =
    typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
  const query = (request.query as Record<string, unknown> | undefined)?.token;
  const given = bearer ?? (typeof query === 'string' ? query : undefined);
  return given !== undefined && sameSecret(given, token);
}

/** Constant-time comparison (of digests, so the lengths do not leak either). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Whether a browser page may make this request: no Origin (not a browser, or a
 * same-origin GET), an origin listed, or a page served by one of the edge's
 * own hosts. `Sec-Fetch-Site: cross-site` is refused whatever the origin says.
 */
export function originAllowed(request: FastifyRequest, policy: AccessPolicy): boolean {
  const origin = request.headers.origin;
  if (request.headers['sec-fetch-site'] === 'cross-site' && !listed(origin, policy)) return false;
  if (origin === undefined) return true;
  if (listed(origin, policy)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.host === request.headers.host) return hostAllowed(url.host, policy);
  return hostAllowed(url.host, {
    ...policy,
    allowedHosts: policy.allowedHosts.filter((h) => h !== '*'),
  });
}

function listed(origin: string | undefined, policy: AccessPolicy): boolean {
  return origin !== undefined && policy.allowedOrigins.includes(origin);
}

/**
 * Installs the checks on every request of `app`: the Host allow-list first,
 * then, for admin routes, the token and the origin.
 */
export function guardRequests(app: FastifyInstance, policy: AccessPolicy): void {
  app.addHook('onRequest', async (request) => {
    if (!hostAllowed(request.headers.host, policy)) {
      const name = hostNameOf(request.headers.host ?? '');
      throw new EdgeError(
        'EDGENT_ERR_HOST_NOT_ALLOWED',
        `this edge does not answer to host ${JSON.stringify(name)} (a DNS-rebinding guard); if that is its name, start it with --allow-host ${name}`,
      );
    }
    if (request.routeOptions.config?.admin !== true) return;
    if (!hasToken(request, policy.token)) {
      throw new EdgeError(
        'EDGENT_ERR_UNAUTHORIZED',
        'this route needs the edge token: Authorization: Bearer <token> or ?token=<token>',
      );
    }
    if (!originAllowed(request, policy)) {
      throw new EdgeError(
        'EDGENT_ERR_ORIGIN',
        `a page at ${request.headers.origin ?? 'another site'} may not call ${request.method} ${request.routeOptions.url}; allowed: the edge's own pages${policy.allowedOrigins.length > 0 ? ` and ${policy.allowedOrigins.join(', ')}` : ''} (--allow-origin)`,
      );
    }
  });
}
