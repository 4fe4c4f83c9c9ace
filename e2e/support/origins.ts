import { join } from 'node:path';
import { launchOptions } from './chromium';
import { fixturesDir } from './paths';

/**
 * Origins as a phone on the LAN sees the edge: a host name that is not
 * localhost, mapped to 127.0.0.1 inside Chromium only (no DNS, no traffic off
 * loopback), over HTTPS with the edge's self-signed certificate or over plain
 * HTTP.
 */

/** The LAN-style host name the tests open the edge by. */
const LAN_HOST = 'edgent-edge.test';

function port(name: 'EDGENT_E2E_HTTPS_PORT' | 'EDGENT_E2E_HTTP_PORT'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is unset: run through playwright.config.ts`);
  return value;
}

/** https://edgent-edge.test:<port>/: the edge's HTTPS listener by a LAN-style name. */
export function lanHttpsUrl(): string {
  return `https://${LAN_HOST}:${port('EDGENT_E2E_HTTPS_PORT')}/`;
}

/** http://edgent-edge.test:<port>/: plain HTTP from "another machine" (an insecure context). */
export function lanHttpUrl(): string {
  return `http://${LAN_HOST}:${port('EDGENT_E2E_HTTP_PORT')}/`;
}

/** Launch options mapping {@link LAN_HOST} to loopback, with Chromium's fake camera. */
export function lanLaunchOptions(): ReturnType<typeof launchOptions> {
  return launchOptions([
    `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`,
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${join(fixturesDir, 'camera.y4m')}`,
  ]);
}
