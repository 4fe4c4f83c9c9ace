import { InvalidArgumentError, Option } from 'commander';

const RATE = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)(?:\/s)?$/i;
const RATE_FACTORS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  bps: 1,
  kbps: 1e3,
  mbps: 1e6,
  gbps: 1e9,
};
export const RATE_FORMS = '500kbit, 1.5Mbit, 300kbit/s, 10Mbps (bits per second; k = 1000)';

/** Parses a link rate such as "500kbit" or "1.5Mbit/s" into bits per second. */
export function parseRate(value: string): number {
  const m = RATE.exec(value.trim());
  if (!m) {
    const hint = /^\d+(?:\.\d+)?\s*[kKmMgG]?B(?:\/s)?$/.test(value.trim())
      ? ' (bytes are not accepted: give bits)'
      : '';
    throw new InvalidArgumentError(
      `"${value}" is not a rate${hint}; accepted forms: ${RATE_FORMS}.`,
    );
  }
  const bps = Number(m[1]) * (RATE_FACTORS[(m[2] as string).toLowerCase()] as number);
  if (!(bps > 0))
    throw new InvalidArgumentError(
      `"${value}": the rate must be above 0; accepted forms: ${RATE_FORMS}.`,
    );
  return bps;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/;
const DURATION_FACTORS: Record<string, number> = { us: 1e-3, µs: 1e-3, ms: 1, s: 1000 };
export const DURATION_FORMS = '300ms, 0.3s, 500us';

/** Parses a duration such as "300ms" or "0.3s" into milliseconds. A bare number is refused. */
export function parseDuration(value: string): number {
  const m = DURATION.exec(value.trim());
  if (!m)
    throw new InvalidArgumentError(
      `"${value}" is not a duration; accepted forms: ${DURATION_FORMS}.`,
    );
  return Number(m[1]) * (DURATION_FACTORS[m[2] as string] as number);
}

/**
 * A duration flag whose default shows in --help as it must be typed
 * ("default: 20ms"): a bare number is refused, so the help must not show one.
 */
export function durationOption(flags: string, description: string, defaultMs: number): Option {
  return new Option(flags, `${description}: ${DURATION_FORMS}`)
    .argParser(parseDuration)
    .default(defaultMs, `${defaultMs}ms`);
}

/** "1.5 Mbit/s", "300 kbit/s" */
export function formatRate(bps: number): string {
  if (bps >= 1e9) return `${+(bps / 1e9).toPrecision(3)} Gbit/s`;
  if (bps >= 1e6) return `${+(bps / 1e6).toPrecision(3)} Mbit/s`;
  if (bps >= 1e3) return `${+(bps / 1e3).toPrecision(3)} kbit/s`;
  return `${+bps.toPrecision(3)} bit/s`;
}

export const LINK_FORMS = 'off, 500kbit (rate), 500kbit,20ms (rate and one-way delay)';

/** Parses a link setting: "off", a rate, or "rate,one-way delay" such as "500kbit,20ms". */
export function parseLink(value: string): { rateBps: number; delayMs: number } | 'off' {
  if (value.trim() === 'off') return 'off';
  const [rate, delay, ...rest] = value.split(',');
  if (rate === undefined || rest.length > 0) {
    throw new InvalidArgumentError(`"${value}" is not a link; accepted forms: ${LINK_FORMS}.`);
  }
  try {
    return { rateBps: parseRate(rate), delayMs: delay === undefined ? 0 : parseDuration(delay) };
  } catch (e) {
    throw new InvalidArgumentError(
      `"${value}" is not a link (${(e as Error).message}); accepted forms: ${LINK_FORMS}.`,
    );
  }
}
