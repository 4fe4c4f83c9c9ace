import { validateControl } from '@edgent/protocol';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LINK_FORM,
  describeLink,
  LINK_PRESETS,
  linkSettingsOf,
  playbackPosition,
  presetForm,
} from '../src/edge/link-settings';

describe('link settings', () => {
  it('turns each mode into a valid link message', () => {
    const cases = [
      { ...DEFAULT_LINK_FORM, mode: 'off' as const },
      { ...DEFAULT_LINK_FORM, mode: 'fixed' as const, rateKbps: '1500', delayMs: ' 20 ' },
      { ...DEFAULT_LINK_FORM, mode: 'trace' as const, trace: 'norway_bus_1', scale: '0.5' },
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

  it('names the field that is wrong and says why, an emptied field included', () => {
    const bad = [
      [{ mode: 'fixed', rateKbps: '0' }, 'rateKbps', /rate must be a number of kbit\/s from 1 to/],
      [{ mode: 'fixed', rateKbps: '' }, 'rateKbps', /got nothing/],
      [{ mode: 'fixed', rateKbps: '12abc' }, 'rateKbps', /got "12abc"/],
      [{ mode: 'fixed', delayMs: '-1' }, 'delayMs', /delay must be 0 to 60000 ms, got "-1"/],
      [{ mode: 'trace', trace: '' }, 'trace', /choose a trace/],
      [{ mode: 'trace', trace: 'x', scale: '0' }, 'scale', /scale must be a number from/],
      [{ mode: 'trace', trace: 'x', scale: '1', delayMs: '' }, 'delayMs', /got nothing/],
    ] as const;
    for (const [patch, field, message] of bad) {
      const r = linkSettingsOf({ ...DEFAULT_LINK_FORM, ...patch });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.field).toBe(field);
        expect(r.message).toMatch(message);
      }
    }
    // Only the chosen mode's fields count: a bad trace scale does not stop a fixed link.
    expect(linkSettingsOf({ ...DEFAULT_LINK_FORM, mode: 'fixed', scale: '' }).ok).toBe(true);
  });

  it("has the paper's three rates among presets that each make a valid fixed link", () => {
    expect(LINK_PRESETS.filter((p) => p.note === 'the paper').map((p) => p.rateKbps)).toEqual([
      50, 300, 1500,
    ]);
    for (const preset of LINK_PRESETS) {
      const r = linkSettingsOf(presetForm(preset, DEFAULT_LINK_FORM));
      if (!r.ok) throw new Error(r.message);
      expect(r.settings).toMatchObject({ mode: 'fixed', rateBps: preset.rateKbps * 1000 });
      expect(validateControl(r.settings).ok).toBe(true);
    }
  });

  it('places a looping trace', () => {
    expect(playbackPosition(0, 300)).toEqual({ atS: 0, loop: 1 });
    expect(playbackPosition(310, 300)).toEqual({ atS: 10, loop: 2 });
    expect(playbackPosition(5, 0)).toEqual({ atS: 0, loop: 1 });
  });
});

describe('the HTTPS address offered in an insecure context', () => {
  it('keeps the host name the person used, at the edge HTTPS port', async () => {
    const { httpsAlternative } = await import('../src/edge/api');
    const edge = ['https://localhost:8443', 'https://192.0.2.7:8443', 'https://box:8443'];
    expect(httpsAlternative({ hostname: 'box', pathname: '/' }, edge)).toBe('https://box:8443/');
    expect(httpsAlternative({ hostname: 'edgent.test', pathname: '/x' }, edge)).toBe(
      'https://edgent.test:8443/x',
    );
    expect(httpsAlternative({ hostname: '192.0.2.9', pathname: '/' }, [])).toBeUndefined();
  });
});
