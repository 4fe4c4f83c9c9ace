import { describe, expect, it } from 'vitest';
import { backoffMs } from '../src/backoff';

describe('backoffMs', () => {
  it('doubles from half a second and stops at 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffMs(a))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000, 5000,
    ]);
  });

  it('stays at the cap for any number of attempts', () => {
    expect(backoffMs(1000)).toBe(5000);
  });

  it('takes other bases and caps', () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a, { baseMs: 100, capMs: 300 }))).toEqual([
      100, 200, 300, 300,
    ]);
  });

  it('refuses a negative or fractional attempt', () => {
    expect(() => backoffMs(-1)).toThrow(/attempt must be a whole number >= 0, got -1/);
    expect(() => backoffMs(1.5)).toThrow(RangeError);
  });
});
