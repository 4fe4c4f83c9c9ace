import type { GalleryAnswer, ModelSummary, ModelsAnswer, TraceSummary } from '@edgent/protocol';
import { base64ToBytes } from '../image/pixels';

export type { TraceSummary };

/**
 * The edge's HTTP routes the page reads (its latency profile: @edgent/device): the traces
 * its link emulator can replay, and the gallery of test images.
 */

/** An HTTP answer that was not what the page needs, with the edge's code when it sent one. */
class EdgeApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeApiError';
  }
}

async function failure(res: Response, what: string): Promise<EdgeApiError> {
  let code = 'EDGENT_ERR_HTTP';
  let detail = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { code?: string; message?: string };
    if (body.code) code = body.code;
    if (body.message) detail = `${detail}: ${body.message}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return new EdgeApiError(code, `${what}: ${detail}`);
}

/** The bandwidth traces the edge can replay (may be none), with what each spans when known. */
export async function fetchTraces(
  fetchFn: typeof fetch = fetch,
): Promise<{ names: string[]; details: TraceSummary[] }> {
  const res = await fetchFn('/api/traces');
  if (!res.ok) throw await failure(res, 'GET /api/traces');
  const body = (await res.json()) as { traces?: unknown; details?: unknown };
  const names = Array.isArray(body.traces)
    ? body.traces.filter((t): t is string => typeof t === 'string')
    : [];
  const details = Array.isArray(body.details)
    ? (body.details as TraceSummary[]).filter(
        (d) =>
          typeof d?.name === 'string' && Number.isFinite(d.minMbps) && Number.isFinite(d.maxMbps),
      )
    : [];
  return { names, details };
}

/** The edge's HTTPS addresses (GET /api/addresses); none when it serves HTTP only. */
export async function fetchHttpsAddresses(fetchFn: typeof fetch = fetch): Promise<string[]> {
  const res = await fetchFn('/api/addresses');
  if (!res.ok) throw await failure(res, 'GET /api/addresses');
  const body = (await res.json()) as { https?: unknown };
  return Array.isArray(body.https) ? body.https.filter((u) => typeof u === 'string') : [];
}

/**
 * The HTTPS address to offer a page opened at `location`: one of the edge's that has the same
 * host name, else the same host name at the edge's HTTPS port (the person reached the edge by
 * that name); with the page's path.
 *
 * @example httpsAlternative({ hostname: '192.168.1.5', pathname: '/' }, ['https://localhost:8443'])
 * // 'https://192.168.1.5:8443/'
 */
export function httpsAlternative(
  location: { hostname: string; pathname: string },
  https: readonly string[],
): string | undefined {
  const urls = https.map((u) => new URL(u));
  const same = urls.find((u) => u.hostname === location.hostname);
  const port = (same ?? urls[0])?.port;
  if (port === undefined) return undefined;
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `https://${host}${port ? `:${port}` : ''}${location.pathname}`;
}

/**
 * Which of the edge's models the page runs, and where its files are: the one
 * `wanted` names if the edge serves it, else its first model of colour frames
 * (the camera model: photos, camera and the gallery's composed frames are
 * what it is for), else the edge's default. An edge without the list: its
 * default model at /model/.
 */
export async function chooseModel(
  wanted: string | null,
  fetchFn: typeof fetch = fetch,
): Promise<{ id?: string; files: string; models: ModelSummary[] }> {
  const res = await fetchFn('/api/models');
  if (!res.ok) return { files: '/model/', models: [] };
  const { models, default: fallback } = (await res.json()) as ModelsAnswer;
  const pick =
    models.find((m) => m.id === wanted) ??
    models.find((m) => m.input[2] === 3) ??
    models.find((m) => m.id === fallback);
  return pick ? { id: pick.id, files: pick.files, models } : { files: '/model/', models };
}

/** One gallery image: its bytes (28x28 grey, or a colour frame) and its true class. */
export interface GalleryImage {
  index: number;
  label: number;
  className: string;
  pixels: Uint8Array;
}

/**
 * The first `n` Fashion-MNIST test images from GET /api/gallery: as they are
 * (28x28 grey), or as the colour model's composed test frames.
 */
export async function fetchGallery(
  n: number,
  frames: 'raw' | 'composed' = 'raw',
  fetchFn: typeof fetch = fetch,
): Promise<GalleryImage[]> {
  const res = await fetchFn(
    `/api/gallery?n=${n}${frames === 'composed' ? '&frames=composed' : ''}`,
  );
  if (!res.ok) throw await failure(res, 'GET /api/gallery');
  const body = (await res.json()) as GalleryAnswer;
  return body.items.map((x) => ({ ...x, pixels: base64ToBytes(x.pixels) }));
}
