import type { LinkSettings } from '@edgent/protocol';

/**
 * The simulated-bandwidth form: what the person typed, the `link` control
 * message it becomes, and how the confirmed setting reads.
 */

/** The form's fields, as typed. */
export interface LinkForm {
  mode: 'off' | 'fixed' | 'trace';
  /** kbit/s, fixed mode. */
  rateKbps: number;
  /** One-way delay, ms. */
  delayMs: number;
  trace: string;
  scale: number;
}

export const DEFAULT_LINK_FORM: LinkForm = Object.freeze({
  mode: 'off',
  rateKbps: 5000,
  delayMs: 10,
  trace: '',
  scale: 1,
});

/** The `link` message for `form`, or the reason it cannot be sent. */
export function linkSettingsOf(
  form: LinkForm,
): { ok: true; settings: LinkSettings } | { ok: false; message: string } {
  if (form.mode === 'off') return { ok: true, settings: { type: 'link', mode: 'off' } };
  if (!(Number.isFinite(form.delayMs) && form.delayMs >= 0 && form.delayMs <= 60_000)) {
    return { ok: false, message: `delay must be 0 to 60000 ms, got ${form.delayMs}` };
  }
  if (form.mode === 'fixed') {
    if (!(Number.isFinite(form.rateKbps) && form.rateKbps > 0)) {
      return {
        ok: false,
        message: `rate must be a number of kbit/s above 0, got ${form.rateKbps}`,
      };
    }
    return {
      ok: true,
      settings: {
        type: 'link',
        mode: 'fixed',
        rateBps: form.rateKbps * 1000,
        delayMs: form.delayMs,
      },
    };
  }
  if (!form.trace) return { ok: false, message: 'choose a trace to replay' };
  if (!(Number.isFinite(form.scale) && form.scale > 0)) {
    return { ok: false, message: `scale must be above 0, got ${form.scale}` };
  }
  return {
    ok: true,
    settings: {
      type: 'link',
      mode: 'trace',
      trace: form.trace,
      scale: form.scale,
      delayMs: form.delayMs,
    },
  };
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

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}
