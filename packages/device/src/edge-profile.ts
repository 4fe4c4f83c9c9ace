import { latencyModelSchema } from '@edgent/model';
import type { LatencyModel } from '@edgent/planner';
import { z } from 'zod';
import { DeviceError } from './errors';

/**
 * The edge's latency profile as the device reads it: one route (GET
 * /api/profile, polled while the edge profiles itself) and one check of what
 * came back, for the page and `edgent device` alike.
 */

/** The edge's profile as far as the device needs it. */
export interface EdgeProfile {
  backend: string;
  device: string;
  latency: LatencyModel;
}

const edgeProfile = z.object({
  backend: z.string().default('?'),
  device: z.string().default('?'),
  latency: latencyModelSchema,
});

/** Checks a profile's JSON; throws EDGENT_ERR_BAD_PROFILE naming the first bad field. */
export function parseEdgeProfile(json: unknown, source = 'the edge profile'): EdgeProfile {
  const r = edgeProfile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the document';
    throw new DeviceError(
      'EDGENT_ERR_BAD_PROFILE',
      `${source}: ${where}: ${issue?.message ?? 'not a latency profile'}`,
    );
  }
  return r.data as EdgeProfile;
}

/** How to fetch the profile. */
export interface FetchEdgeProfileOptions {
  /** Hears each wait while the edge profiles itself (its status object). */
  onWait?: (status: unknown) => void;
  fetch?: typeof fetch;
  pollMs?: number;
  maxWaitMs?: number;
  /** The model whose profile to get (an edge may serve several); default the edge's default. */
  model?: string;
}

/**
 * The edge's latency profile from GET `<base>/api/profile` (base: the edge's
 * http(s) URL, or '' for the page's own origin), polling while the edge
 * profiles itself (202).
 */
export async function fetchEdgeProfile(
  base = '',
  options: FetchEdgeProfileOptions = {},
): Promise<EdgeProfile> {
  const { onWait = () => {}, fetch: fetchFn = fetch, pollMs = 1000, maxWaitMs = 120_000 } = options;
  const query = options.model === undefined ? '' : `?model=${encodeURIComponent(options.model)}`;
  const url = `${base.replace(/\/$/, '')}/api/profile${query}`;
  const started = Date.now();
  for (;;) {
    // The edge sends an ETag: a repeat fetch is revalidated (304) rather than sent again.
    const res = await fetchFn(url);
    if (res.status === 200) return parseEdgeProfile(await res.json(), `GET ${url}`);
    if (res.status !== 202) {
      let detail = `HTTP ${res.status}`;
      let code = 'EDGENT_ERR_HTTP';
      try {
        const body = (await res.json()) as { code?: string; message?: string };
        if (body.code) code = body.code;
        if (body.message) detail = `${detail}: ${body.message}`;
      } catch {
        // Not JSON: the status says enough.
      }
      throw new DeviceError(code, `GET ${url}: ${detail}`);
    }
    if (Date.now() - started > maxWaitMs) {
      throw new DeviceError(
        'EDGENT_ERR_TIMEOUT',
        `the edge was still profiling itself after ${maxWaitMs / 1000} s`,
      );
    }
    onWait(((await res.json()) as { status?: unknown }).status);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
