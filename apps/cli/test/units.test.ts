import { describe, expect, it } from 'vitest';
import { formatRate, parseDuration, parseLink, parseRate } from '../src/units';

describe('units', () => {
  it.each([
    ['500kbit', 500e3],
    ['1.5Mbit', 1.5e6],
    ['300kbit/s', 300e3],
    ['10Mbps', 10e6],
    ['50 kbit', 50e3],
    ['2gbit/s', 2e9],
  ])('parses rate %s', (text, bps) => expect(parseRate(text)).toBeCloseTo(bps, 6));

  it.each(['500', '500kB', '1.5MB/s', 'fast', '-1Mbit', '0kbit', '1e3kbit', '5 Mbit/h'])(
    'refuses rate %s, naming the accepted forms',
    (text) => {
      expect(() => parseRate(text)).toThrow(/accepted forms: 500kbit/);
    },
  );

  it('says bytes are not bits', () =>
    expect(() => parseRate('2MB')).toThrow(/bytes are not accepted/));

  it.each([
    ['300ms', 300],
    ['0.3s', 300],
    ['500us', 0.5],
    ['20 ms', 20],
  ])('parses duration %s', (text, ms) => expect(parseDuration(text)).toBeCloseTo(ms, 9));

  it.each(['300', '3 min', 'ms', '-5ms', '1h'])('refuses duration %s', (text) => {
    expect(() => parseDuration(text)).toThrow(/accepted forms: 300ms, 0.3s, 500us/);
  });

  it('formats rates', () => {
    expect(formatRate(1.5e6)).toBe('1.5 Mbit/s');
    expect(formatRate(300e3)).toBe('300 kbit/s');
    expect(formatRate(50)).toBe('50 bit/s');
  });
});

describe('parseLink', () => {
  it('reads off, a rate, or a rate and a one-way delay', () => {
    expect(parseLink('off')).toBe('off');
    expect(parseLink('500kbit')).toEqual({ rateBps: 500_000, delayMs: 0 });
    expect(parseLink('1.5Mbit/s,20ms')).toEqual({ rateBps: 1.5e6, delayMs: 20 });
  });

  it.each(['', '500', '500kbit,20', '500kbit,20ms,3ms', '20ms,500kbit'])(
    'refuses %j, naming the accepted forms',
    (bad) => {
      expect(() => parseLink(bad)).toThrow(/accepted forms: off, 500kbit/);
    },
  );
});
