import { validateControl } from '@edgent/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LINK_FORM, describeLink, linkSettingsOf } from '../src/edge/link-settings';

describe('link settings', () => {
  it('turns each mode into a valid link message', () => {
    const cases = [
      { ...DEFAULT_LINK_FORM, mode: 'off' as const },
      { ...DEFAULT_LINK_FORM, mode: 'fixed' as const, rateKbps: 1500, delayMs: 20 },
      { ...DEFAULT_LINK_FORM, mode: 'trace' as const, trace: 'norway_bus_1', scale: 0.5 },
    ];
    const settings = cases.map((f) => {
      const r = linkSettingsOf(f);
      if (!r.ok) throw new Error(r.message);
      expect(validateControl(r.settings).ok).toBe(true);
      return r.settings;
    });
    expect(settings[1]).toEqual({ type: 'link', mode: 'fixed', rateBps: 1_500_000, delayMs: 20 });
    expect(settings.map(describeLink)).toEqual([
      'off',
      'fixed 1500 kbit/s, 20 ms',
      'trace norway_bus_1 x0.5, 10 ms',
    ]);
  });

  it('says what is wrong with a setting it cannot send', () => {
    const bad = [
      [{ mode: 'fixed', rateKbps: 0 }, /rate must be a number of kbit\/s above 0, got 0/],
      [{ mode: 'fixed', rateKbps: Number.NaN }, /rate/],
      [{ mode: 'fixed', delayMs: -1 }, /delay must be 0 to 60000 ms, got -1/],
      [{ mode: 'trace', trace: '' }, /choose a trace/],
      [{ mode: 'trace', trace: 'x', scale: 0 }, /scale must be above 0/],
    ] as const;
    for (const [patch, message] of bad) {
      const r = linkSettingsOf({ ...DEFAULT_LINK_FORM, ...patch });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(message);
    }
  });
});
