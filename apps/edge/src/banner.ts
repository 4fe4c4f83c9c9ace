/**
 * What `edgent serve` prints at start, in plain words: where to open the
 * page on this machine and from a phone or a Pi on the LAN, what to do about
 * the self-signed certificate, and a QR code of the first LAN address.
 */
import { renderUnicodeCompact } from 'uqr';

/** Where the edge listens and what a person can open. */
export interface EdgeAddresses {
  /** e.g. http://localhost:8080 */
  local: string;
  /** e.g. https://localhost:8443, when HTTPS is on. */
  localHttps?: string;
  /** HTTPS URLs a phone on the LAN can open (one per LAN address, then the host name). */
  lan: string[];
  /** Plain-HTTP LAN URLs (no camera, no WASM threads there). */
  lanHttp: string[];
  /** Where the certificate came from, when HTTPS is on. */
  certificate?: { source: 'generated' | 'cached' | 'files'; fingerprint: string };
}

/** The URLs of an edge on `host` (0.0.0.0 or :: meaning every interface). */
export function edgeAddresses(options: {
  host: string;
  httpPort: number;
  httpsPort?: number;
  lanIps: readonly string[];
  hostName?: string;
  certificate?: EdgeAddresses['certificate'];
}): EdgeAddresses {
  const { host, httpPort, httpsPort, lanIps } = options;
  const everywhere = host === '0.0.0.0' || host === '::';
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const localHost = everywhere || loopback ? 'localhost' : host;
  const lanHosts = everywhere ? [...lanIps] : loopback ? [] : [host];
  if (everywhere && options.hostName && !lanHosts.includes(options.hostName)) {
    lanHosts.push(options.hostName);
  }
  return {
    local: `http://${localHost}:${httpPort}`,
    ...(httpsPort === undefined ? {} : { localHttps: `https://${localHost}:${httpsPort}` }),
    lan: httpsPort === undefined ? [] : lanHosts.map((h) => `https://${h}:${httpsPort}`),
    lanHttp: lanHosts.map((h) => `http://${h}:${httpPort}`),
    ...(options.certificate ? { certificate: options.certificate } : {}),
  };
}

/** The start-up text: URLs, the certificate hint and (optionally) a QR code. */
export function banner(a: EdgeAddresses, options: { qr: boolean } = { qr: true }): string {
  const lines = [
    `Edgent edge listening on ${a.local}${a.localHttps ? ` and ${a.localHttps}` : ''}`,
    '',
    `  On this machine:  ${a.local}`,
  ];
  if (a.lan.length > 0) {
    lines.push('  On a phone or Pi on the same network (HTTPS: camera and WASM threads work):');
    for (const url of a.lan) lines.push(`    ${url}`);
  } else if (a.lanHttp.length > 0) {
    lines.push('  On the same network (plain HTTP: no camera, no WASM threads):');
    for (const url of a.lanHttp) lines.push(`    ${url}`);
  } else if (!a.localHttps) {
    lines.push('  Listening on loopback only: other devices cannot reach it (--host 0.0.0.0).');
  }
  if (a.certificate && a.certificate.source !== 'files') {
    lines.push(
      '  The certificate is self-signed: accept it once per device (Chrome: Advanced, then',
      '  Proceed; Safari: Show Details, then visit this website).',
      `  Its SHA-256 fingerprint: ${a.certificate.fingerprint}`,
    );
  }
  const first = a.lan[0];
  if (options.qr && first) {
    lines.push('', `  Scan to open ${first}:`, '');
    for (const row of renderUnicodeCompact(first, { border: 2 }).split('\n')) {
      lines.push(`  ${row}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
