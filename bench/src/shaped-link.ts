/**
 * A real, kernel-shaped link for tests and benchmarks: a network namespace
 * joined to this one by a veth pair, each end's egress shaped by `tc` with a
 * tbf token bucket (a rate and a burst, as a home router or a cellular modem
 * shapes traffic; no added delay: netem is not in every kernel, and the
 * edge's own emulator can add one). The edge runs inside the namespace
 * (`exec` prefixes its command); the device stays here and reaches it at
 * `edgeHost`. Everything it creates is removed by `remove()` (and at exit).
 * Needs root (CAP_NET_ADMIN) and iproute2: `prepareShapedLink` says why not.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The shaping of both directions. */
export interface Shaping {
  rateBps: number;
  /** The token bucket's depth: bytes that pass at line rate after an idle spell. */
  burstBytes: number;
}

/** A shaped link to a namespace (see the module comment). */
export interface ShapedLink {
  namespace: string;
  /** The namespace's address (where the edge listens). */
  edgeHost: string;
  /** This side's address. */
  deviceHost: string;
  /** Prefix for a command run inside the namespace. */
  exec: string[];
  shaping: Shaping;
  /** Shapes both directions anew. */
  shape(shaping: Shaping): Promise<void>;
  /** Deletes the namespace and the veth pair. */
  remove(): Promise<void>;
}

let made = 0;

/**
 * Why a shaped link cannot be made here (not root, no `ip`, namespaces
 * refused), or undefined when it can: tries a namespace and removes it.
 */
export function shapedLinkUnavailable(): string | undefined {
  if (process.platform !== 'linux')
    return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'making network namespaces needs root (CAP_NET_ADMIN)';
  const probe = `edgent-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
    execFileSync('tc', ['-V'], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    return `cannot make a network namespace here: ${(err.stderr?.toString() || err.message).trim()}`;
  }
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** Creates the namespace, the veth pair and the shaping; throws when it cannot. */
export async function createShapedLink(shaping: Shaping): Promise<ShapedLink> {
  const k = made++;
  const id = `${process.pid % 100_000}${k}`;
  const namespace = `edgent-${id}`;
  const here = `edg${id}a`.slice(0, 15);
  const there = `edg${id}b`.slice(0, 15);
  const net = `10.${200 + (k % 50)}.${process.pid % 250}`;
  const deviceHost = `${net}.1`;
  const edgeHost = `${net}.2`;
  const exec = ['ip', 'netns', 'exec', namespace];
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    process.off('exit', removeNow);
    // Deleting the namespace deletes its end of the pair, and so the pair.
    await run('ip', ['netns', 'del', namespace]).catch(() => {});
    await run('ip', ['link', 'del', here]).catch(() => {});
  };
  const removeNow = () => {
    try {
      execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  };
  process.on('exit', removeNow);
  try {
    await ip('netns', 'add', namespace);
    await ip('link', 'add', here, 'type', 'veth', 'peer', 'name', there);
    await ip('link', 'set', there, 'netns', namespace);
    await ip('addr', 'add', `${deviceHost}/30`, 'dev', here);
    await ip('link', 'set', here, 'up');
    await ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
  } catch (e) {
    await remove();
    throw e;
  }
  const link: ShapedLink = {
    namespace,
    edgeHost,
    deviceHost,
    exec,
    shaping,
    async shape(s: Shaping) {
      await shapeDevice(here, s);
      await shapeDevice(there, s, exec);
      link.shaping = s;
    },
    remove,
  };
  try {
    await run(exec[0] as string, [
      ...exec.slice(1),
      'ip',
      'addr',
      'add',
      `${edgeHost}/30`,
      'dev',
      there,
    ]);
    await run(exec[0] as string, [...exec.slice(1), 'ip', 'link', 'set', there, 'up']);
    await link.shape(shaping);
  } catch (e) {
    await remove();
    throw e;
  }
  return link;
}

/** A tbf token bucket (rate, burst) on `dev`'s egress. */
async function shapeDevice(dev: string, s: Shaping, prefix: string[] = []): Promise<void> {
  const tc = async (...args: string[]) => {
    const [cmd, ...rest] = [...prefix, 'tc', ...args];
    await run(cmd as string, rest);
  };
  await tc('qdisc', 'del', 'dev', dev, 'root').catch(() => {});
  // The queue holds a second of traffic: messages wait in it rather than being dropped.
  const limit = Math.max(s.burstBytes * 2, Math.ceil(s.rateBps / 8));
  await tc(
    'qdisc',
    'add',
    'dev',
    dev,
    'root',
    'tbf',
    'rate',
    `${Math.round(s.rateBps)}bit`,
    'burst',
    String(s.burstBytes),
    'limit',
    String(limit),
  );
}
