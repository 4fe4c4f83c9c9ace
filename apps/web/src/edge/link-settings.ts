import { LINK_LIMITS as EDGE_LINK_LIMITS, type LinkSettings } from '@edgent/protocol';

/**
 * The simulated-bandwidth form: what the person typed (as text, so a field
 * can be cleared and retyped), the `link` control message it becomes, the
 * presets that apply at once, and how the confirmed setting reads.
 */

/** The form's fields, as typed. */
export interface LinkForm {
  mode: 'off' | 'fixed' | 'trace';
  /** kbit/s, fixed mode. */
  rateKbps: string;
  /** One-way delay, ms (fixed and trace modes). */
  delayMs: string;
  trace: string;
  /** Trace mode: every sample's rate is multiplied by this. */
  scale: string;
}

/** A form field that can be wrong. */
export type LinkField = 'rateKbps' | 'delayMs' | 'trace' | 'scale';

export const DEFAULT_LINK_FORM: LinkForm = Object.freeze({
  mode: 'off',
  rateKbps: '5000',
  delayMs: '10',
  trace: '',
  scale: '1',
});

/** Bounds the form accepts: the edge's own (LINK_LIMITS of @edgent/protocol), in the form's units. */
const LINK_LIMITS = Object.freeze({
  minRateKbps: EDGE_LINK_LIMITS.minRateBps / 1000,
  maxRateKbps: EDGE_LINK_LIMITS.maxRateBps / 1000,
  maxDelayMs: EDGE_LINK_LIMITS.maxDelayMs,
  minScale: EDGE_LINK_LIMITS.minScale,
  maxScale: EDGE_LINK_LIMITS.maxScale,
});

/** A preset: a fixed link that applies with one tap. */
export interface LinkPreset {
  id: string;
  label: string;
  rateKbps: number;
  delayMs: number;
  /** Where the numbers come from. */
  note: string;
}

/**
 * The paper's three shaped rates (Li et al. sweep 50 kbit/s to 1.5 Mbit/s),
 * then typical mobile and Wi-Fi links (round figures of common network
 * emulation profiles, not measurements).
 */
export const LINK_PRESETS: readonly LinkPreset[] = Object.freeze([
  { id: 'paper-50k', label: '50 kbit/s', rateKbps: 50, delayMs: 5, note: 'the paper' },
  { id: 'paper-300k', label: '300 kbit/s', rateKbps: 300, delayMs: 5, note: 'the paper' },
  { id: 'paper-1.5m', label: '1.5 Mbit/s', rateKbps: 1500, delayMs: 5, note: 'the paper' },
  { id: '2g', label: '2G', rateKbps: 250, delayMs: 150, note: 'typical EDGE' },
  { id: '3g', label: '3G', rateKbps: 1600, delayMs: 75, note: 'typical HSPA' },
  { id: '4g', label: '4G', rateKbps: 12_000, delayMs: 25, note: 'typical LTE' },
  { id: 'wifi', label: 'Wi-Fi', rateKbps: 50_000, delayMs: 2, note: 'typical home Wi-Fi' },
]);

/** The form a preset fills in. */
export function presetForm(preset: LinkPreset, form: LinkForm): LinkForm {
  return {
    ...form,
    mode: 'fixed',
    rateKbps: String(preset.rateKbps),
    delayMs: String(preset.delayMs),
  };
}

type Checked =
  | { ok: true; settings: LinkSettings }
  | { ok: false; message: string; field: LinkField };

/** A number typed in a field: undefined when empty or not a finite number. */
function parse(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** The `link` message for `form`, or the first field that is wrong and why. */
export function linkSettingsOf(form: LinkForm): Checked {
  if (form.mode === 'off') return { ok: true, settings: { type: 'link', mode: 'off' } };
  const L = LINK_LIMITS;
  const delay = parse(form.delayMs);
  const delayOk = delay !== undefined && delay >= 0 && delay <= L.maxDelayMs;
  if (form.mode === 'fixed') {
    const rate = parse(form.rateKbps);
    if (rate === undefined || rate < L.minRateKbps || rate > L.maxRateKbps) {
      return {
        ok: false,
        field: 'rateKbps',
        message: `rate must be a number of kbit/s from ${L.minRateKbps} to ${L.maxRateKbps}, got ${shown(form.rateKbps)}`,
      };
    }
    if (!delayOk) return badDelay(form.delayMs);
    return {
      ok: true,
      settings: { type: 'link', mode: 'fixed', rateBps: rate * 1000, delayMs: delay },
    };
  }
  if (!form.trace) return { ok: false, field: 'trace', message: 'choose a trace to replay' };
  const scale = parse(form.scale);
  if (scale === undefined || scale < L.minScale || scale > L.maxScale) {
    return {
      ok: false,
      field: 'scale',
      message: `scale must be a number from ${L.minScale} to ${L.maxScale}, got ${shown(form.scale)}`,
    };
  }
  if (!delayOk) return badDelay(form.delayMs);
  return {
    ok: true,
    settings: { type: 'link', mode: 'trace', trace: form.trace, scale, delayMs: delay },
  };
}

function badDelay(text: string): Checked {
  return {
    ok: false,
    field: 'delayMs',
    message: `delay must be 0 to ${LINK_LIMITS.maxDelayMs} ms, got ${shown(text)}`,
  };
}

function shown(text: string): string {
  return text.trim() === '' ? 'nothing' : JSON.stringify(text.trim());
}

/** How a confirmed setting reads, e.g. 'fixed 5000 kbit/s, 10 ms'. */
export function describeLink(s: LinkSettings): string {
  switch (s.mode) {
    case 'off':
      return 'off';
    case 'fixed':
      return `fixed ${formatNumber((s.rateBps ?? 0) / 1000)} kbit/s, ${formatNumber(s.delayMs ?? 0)} ms`;
    case 'trace':
      return `trace ${s.trace} x${formatNumber(s.scale ?? 1)}, ${formatNumber(s.delayMs ?? 0)} ms`;
  }
}

/** Where a looping trace is `elapsedS` after it started: seconds into its loop, and the loop. */
export function playbackPosition(
  elapsedS: number,
  durationS: number,
): { atS: number; loop: number } {
  if (!(durationS > 0) || !(elapsedS >= 0)) return { atS: 0, loop: 1 };
  return { atS: elapsedS % durationS, loop: Math.floor(elapsedS / durationS) + 1 };
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}
