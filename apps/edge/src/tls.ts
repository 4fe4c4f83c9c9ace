/**
 * The edge's TLS certificate. Browsers give the camera, `crypto.subtle` and
 * cross-origin isolation (WASM threads) only to secure contexts, so a phone
 * on the LAN needs HTTPS: the edge makes a self-signed certificate at first
 * start, for localhost, this host's name and every LAN address, caches it,
 * and reuses it while it is valid and still names every address. An
 * operator's own certificate (`--cert`, `--key`) is used as given.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { EdgeError } from './errors.js';

/** A certificate and its key, PEM. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, as browsers show it (AA:BB:...). */
  fingerprint: string;
  /** DNS names and IP addresses the certificate is valid for. */
  names: string[];
  /** Where it came from: made now, read from the cache, or the operator's files. */
  source: 'generated' | 'cached' | 'files';
}

/** The names a self-signed certificate of this host covers. */
export interface SubjectNames {
  dns: string[];
  ips: string[];
}

/** The machine's non-internal IPv4 addresses, the ones a phone on the LAN can reach. */
export function lanAddresses(): string[] {
  const found: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && !found.includes(a.address)) found.push(a.address);
    }
  }
  return found;
}

/** localhost, this host's name, 127.0.0.1 and every LAN (IPv4) address. */
function hostSubjectNames(lan: readonly string[] = lanAddresses()): SubjectNames {
  const dns = ['localhost'];
  const host = hostname();
  if (host && !dns.includes(host)) dns.push(host);
  return { dns, ips: ['127.0.0.1', ...lan.filter((ip) => ip !== '127.0.0.1')] };
}

const CERT_FILE = 'cert.pem';
const KEY_FILE = 'key.pem';
/** Browsers cap server certificates at 398 days; a self-signed one is renewed before. */
const VALID_DAYS = 397;
/** Renew a cached certificate that expires within this long. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

/**
 * The cached self-signed certificate in `dir` when it is valid for at least
 * a week more and names every one of `names`; else a new one (EC P-256,
 * SHA-256), written to `dir` (`cert.pem`, `key.pem` readable by the owner
 * only).
 */
export async function selfSignedCertificate(
  dir: string,
  names: SubjectNames = hostSubjectNames(),
  now: Date = new Date(),
): Promise<TlsMaterial> {
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cached = await readPair(certPath, keyPath).catch(() => undefined);
    if (cached && covers(cached.x509, names) && stillValid(cached.x509, now)) {
      return material(cached.cert, cached.key, 'cached');
    }
  }
  const notAfter = new Date(now.getTime() + VALID_DAYS * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'Edgent edge (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.dns.map((value) => ({ type: 2 as const, value })),
          ...names.ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true });
  // Written beside, then renamed: a crash mid-write leaves the old pair or none.
  await writeFile(`${keyPath}.tmp`, pems.private, { mode: 0o600 });
  await chmod(`${keyPath}.tmp`, 0o600);
  await writeFile(`${certPath}.tmp`, pems.cert);
  await rename(`${keyPath}.tmp`, keyPath);
  await rename(`${certPath}.tmp`, certPath);
  return material(pems.cert, pems.private, 'generated');
}

/** The operator's certificate and key; fails with EDGENT_ERR_BAD_OPTION naming the bad file. */
export async function certificateFromFiles(
  certPath: string,
  keyPath: string,
): Promise<TlsMaterial> {
  const pair = await readPair(certPath, keyPath);
  return material(pair.cert, pair.key, 'files');
}

async function readPair(certPath: string, keyPath: string) {
  const cert = await readOption('cert', certPath);
  const key = await readOption('key', keyPath);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw badFile('cert', certPath, `is not a PEM certificate (${(e as Error).message})`);
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) {
      throw badFile('key', keyPath, `is not the private key of ${certPath}`);
    }
  } catch (e) {
    if (e instanceof EdgeError) throw e;
    throw badFile('key', keyPath, `is not a PEM private key (${(e as Error).message})`);
  }
  return { cert, key, x509 };
}

async function readOption(option: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw badFile(option, path, `cannot be read (${(e as NodeJS.ErrnoException).code})`);
  }
}

function badFile(option: string, path: string, why: string): EdgeError {
  return new EdgeError('EDGENT_ERR_BAD_OPTION', `option ${option}: ${path} ${why}`);
}

/**
 * Names in the certificate's subjectAltName: `DNS:a, IP Address:1.2.3.4`.
 * @internal Exported for its unit tests only (knip --production allows it).
 */
export function certificateNames(x509: X509Certificate): string[] {
  return (x509.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^(DNS|IP Address):/, ''))
    .filter((s) => s !== '')
    .map((s) => s.toLowerCase());
}

function covers(x509: X509Certificate, names: SubjectNames): boolean {
  const have = new Set(certificateNames(x509));
  return [...names.dns, ...names.ips].every((n) => have.has(n.toLowerCase()));
}

function stillValid(x509: X509Certificate, now: Date): boolean {
  return new Date(x509.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS;
}

function material(cert: string, key: string, source: TlsMaterial['source']): TlsMaterial {
  const x509 = new X509Certificate(cert);
  return { cert, key, fingerprint: x509.fingerprint256, names: certificateNames(x509), source };
}
