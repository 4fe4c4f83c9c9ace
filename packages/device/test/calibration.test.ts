import { describe, expect, it } from 'vitest';
import { CALIBRATION_WINDOW, Calibration, MIN_CALIBRATION_SAMPLES } from '../src/calibration';

describe('Calibration', () => {
  it('plans the device with its profile until a few answers, then with the 95th percentile of measured / predicted', () => {
    const c = new Calibration();
    c.observe('device', 10, 15);
    c.observe('device', 10, 15);
    expect(MIN_CALIBRATION_SAMPLES).toBe(3);
    expect(c.deviceScale()).toBe(1);
    // Ratios 1.5 x 9 and 3 x 1: the 95th percentile sits between the two (at 8.55 of 0..9),
    // the median at 1.5.
    for (let i = 0; i < 7; i++) c.observe('device', 10, 15);
    c.observe('device', 10, 30);
    expect(c.deviceScale()).toBeCloseTo(1.5 + 0.55 * 1.5, 12);
    expect(c.side('device')).toMatchObject({
      samples: 10,
      correction: 'ratio',
      median: 1.5,
      mismatch: false,
    });
    // The other side is untouched.
    expect(c.edgeExtraMs()).toBe(0);
    expect(c.side('edge')).toEqual({
      samples: 0,
      correction: 'offset',
      median: 0,
      planning: 0,
      mismatch: false,
    });
  });

  it('corrects the edge by the milliseconds its answers take beyond the profile (a cost per request)', () => {
    const c = new Calibration();
    // Predicted 1 and 10 ms, each measured 2 ms longer: a ratio would be 3 and 1.2; the offset is 2.
    for (let i = 0; i < 5; i++) {
      c.observe('edge', 1, 3);
      c.observe('edge', 10, 12);
    }
    expect(c.edgeExtraMs()).toBeCloseTo(2, 12);
    expect(c.side('edge')).toMatchObject({ correction: 'offset', median: 2, mismatch: false });
  });

  it('keeps the last CALIBRATION_WINDOW answers, flags a device profile off by over 1.5x across a full window, and forgets on reset', () => {
    const c = new Calibration();
    for (let i = 0; i < CALIBRATION_WINDOW; i++) c.observe('device', 2, 1);
    expect(c.side('device')).toMatchObject({ median: 0.5, mismatch: true });
    // Never planned faster than half the profile.
    expect(c.deviceScale()).toBe(0.5);
    for (let i = 0; i < CALIBRATION_WINDOW; i++) c.observe('device', 2, 2.2);
    expect(c.side('device')).toMatchObject({ samples: CALIBRATION_WINDOW, mismatch: false });
    expect(c.side('device').median).toBeCloseTo(1.1, 12);
    c.reset('device');
    expect(c.side('device').samples).toBe(0);
  });

  it('ignores predictions too small to divide by and measurements that are not times', () => {
    const c = new Calibration();
    c.observe('device', 0, 5);
    c.observe('device', 0.01, 5);
    c.observe('device', 5, Number.NaN);
    c.observe('device', 5, -1);
    expect(c.side('device').samples).toBe(0);
  });
});
