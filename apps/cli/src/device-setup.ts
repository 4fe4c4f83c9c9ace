/**
 * The device in Node, set up as `edgent device` and `edgent experiment live`
 * use it: the tfjs backend, the model, this device's profile (the shipped
 * one, a given file, or measured now when the device is slowed), the edge's
 * profile (GET /api/profile, as the page reads it) and the connection, in the
 * DeviceSession the page drives too.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type BrowserSocket,
  type CoInference,
  DeviceError,
  DeviceSession,
  type EdgeClient,
  type EdgeProfile,
  fetchEdgeProfile,
} from '@edgent/device';
import {
  type DeviceProfile,
  DeviceSlowdown,
  encodeJpeg,
  FRAME_JPEG_QUALITY,
  type ModelManifest,
  type MultiExitModel,
  modelFromWeights,
  parseProfile,
  readModelDir,
  useBackend,
} from '@edgent/model/node';
import type { Encoding } from '@edgent/planner';
import { WebSocket } from 'ws';
import { UsageError } from './commands/train';
import { PROFILING_DEFAULTS, profileWithProgress } from './profile-device';

/** How to set the device up. */
export interface DeviceSetup {
  edge: string;
  token?: string;
  backend: 'cpu' | 'wasm';
  modelDir: string;
  deviceProfile?: string;
  deviceSlowdown: number;
  encoding: Encoding;
}

/** A device connected to the edge. */
export interface OpenDevice {
  session: DeviceSession;
  /** The session's co-inference. */
  co: CoInference;
  client: EdgeClient;
  manifest: ModelManifest;
  model: MultiExitModel;
  edgeProfile: EdgeProfile;
  deviceProfile: DeviceProfile;
  /** The profile file used; undefined when the slowed device was profiled now. */
  profileFile: string | undefined;
  slowdown: DeviceSlowdown | undefined;
}

/** Sets the device up and connects it to the edge (see the module comment). */
export async function openDevice(flags: DeviceSetup): Promise<OpenDevice> {
  // A bad --edge is said before any work.
  const { http, socket: url } = edgeUrls(flags.edge);
  await useBackend(flags.backend);
  const modelDir = resolve(flags.modelDir);
  const { manifest, weights } = await readModelDir(modelDir);
  const model = modelFromWeights(manifest.architecture, weights);
  const now = () => performance.now();
  const slowdown =
    flags.deviceSlowdown > 1 ? new DeviceSlowdown(flags.deviceSlowdown, now) : undefined;
  // The shipped profiles were both made on this machine: cpu as the device, wasm as the edge.
  // A slowed device is not the one they describe: it is profiled here, slowed.
  // A model shipped without profiles (or a slowed device) is profiled here first.
  const shipped = join(modelDir, 'profiles', flags.backend === 'cpu' ? 'device.json' : 'edge.json');
  const profileFile =
    flags.deviceProfile ?? (slowdown || !existsSync(shipped) ? undefined : shipped);
  if (!profileFile) {
    process.stderr.write(
      slowdown
        ? `Profiling this device (tfjs ${flags.backend}) slowed x${flags.deviceSlowdown}; it takes about that many times as long as unslowed\n`
        : `Profiling this device (tfjs ${flags.backend}): ${shipped} does not exist\n`,
    );
  }
  const deviceProfile = profileFile
    ? parseProfile(JSON.parse(await readFile(profileFile, 'utf8')), profileFile)
    : await profileWithProgress(model, manifest.hash, {
        ...PROFILING_DEFAULTS,
        backend: flags.backend,
        deviceSlowdown: flags.deviceSlowdown,
      });
  // An edge that is down or answers wrongly is a runtime failure (exit 1), not a usage error.
  const edgeProfile = await fetchEdgeProfile(http).catch((e: Error & { code?: string }) => {
    throw new DeviceError(
      e.code ?? 'EDGENT_ERR_UNREACHABLE',
      `cannot get the edge's profile from ${http}: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`,
    );
  });
  const session = new DeviceSession({
    now,
    ...(slowdown ? { slowdown } : {}),
    edgeProfile: () => fetchEdgeProfile(http),
  });
  await session.load({
    model,
    manifest,
    device: deviceProfile.latency,
    edge: edgeProfile.latency,
    encoding: flags.encoding,
    encodeJpeg: async (rgb, width, height) => encodeJpeg(rgb, width, height, FRAME_JPEG_QUALITY),
  });
  const headers = flags.token ? { authorization: `Bearer ${flags.token}` } : undefined;
  let connected = false;
  // The first attempt must succeed (a command fails fast); after a loss the session reconnects
  // with backoff, and requests are answered on the device meanwhile.
  const client = await session.connect(
    {
      url,
      model: { id: manifest.id, hash: manifest.hash },
      now,
      name: 'edgent device',
      backend: () => flags.backend,
      open: (u) => new WebSocket(u, headers ? { headers } : {}) as unknown as BrowserSocket,
      onState: (state) => {
        if (state.status === 'connected') {
          if (connected) process.stderr.write('edgent device: connected to the edge again\n');
          connected = true;
        } else if (connected && state.status === 'offline' && state.failures === 1) {
          process.stderr.write(
            `edgent device: ${state.error?.message ?? 'lost the edge'}; answering on the device and reconnecting\n`,
          );
        }
      },
    },
    true,
  );
  const co = session.co as CoInference;
  return {
    session,
    co,
    client,
    manifest,
    model,
    edgeProfile,
    deviceProfile,
    profileFile,
    slowdown,
  };
}

/**
 * The edge's addresses for `--edge`, given as http(s)://host[:port] or ws(s)://…/ws: its http(s)
 * origin (for GET /api/profile) and its WebSocket URL (a bare host gets /ws).
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export function edgeUrls(edge: string): { http: string; socket: string } {
  let url: URL;
  try {
    url = new URL(edge);
  } catch {
    throw new UsageError(`--edge ${edge} is not a URL; e.g. http://localhost:8080`);
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!secure && url.protocol !== 'http:' && url.protocol !== 'ws:') {
    throw new UsageError(`--edge ${edge}: expected an http(s):// or ws(s):// URL`);
  }
  // The edge answers WebSockets at /ws only: another path would be closed without a word.
  if (!['', '/', '/ws'].includes(url.pathname)) {
    throw new UsageError(
      `--edge ${edge}: the edge serves its WebSocket at /ws, not ${url.pathname}; give its origin (${url.protocol}//${url.host}) or its /ws URL`,
    );
  }
  url.protocol = secure ? 'https:' : 'http:';
  const http = url.origin;
  url.protocol = secure ? 'wss:' : 'ws:';
  url.pathname = '/ws';
  return { http, socket: url.href };
}
