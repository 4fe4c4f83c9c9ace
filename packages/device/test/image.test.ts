import { describe, expect, it } from 'vitest';
import { DeviceError } from '../src/errors';
import { toColourPixels, toInputPixels, toModelPixels } from '../src/image';

/** A w x h RGBA image: background `bg`, a centred square of `fg` covering half of each side. */
function square(w: number, h: number, bg: number, fg: number) {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= w / 4 && x < (3 * w) / 4 && y >= h / 4 && y < (3 * h) / 4;
      const v = inside ? fg : bg;
      data.set([v, v, v, 255], 4 * (y * w + x));
    }
  }
  return { data, width: w, height: h, channels: 4 as const };
}

describe('toModelPixels', () => {
  it('keeps a 28x28 grayscale Fashion-MNIST image as it is', () => {
    const data = Uint8Array.from({ length: 784 }, (_, i) => (i % 28 > 8 && i % 28 < 20 ? 200 : 0));
    const r = toModelPixels({ data, width: 28, height: 28, channels: 1 });
    expect(r.inverted).toBe(false);
    expect([...r.pixels]).toEqual([...data]);
  });

  it('inverts a dark object on light paper, and scales any size down to 28x28', () => {
    const r = toModelPixels(square(280, 280, 250, 10));
    expect(r.inverted).toBe(true);
    expect(r.pixels).toHaveLength(784);
    expect(r.pixels[14 * 28 + 14]).toBe(245); // the object, now light
    expect(r.pixels[0]).toBe(5); // the paper, now dark
  });

  it('centres a wide image on a square, padding with the background', () => {
    const r = toModelPixels(square(560, 140, 0, 255));
    expect(r.inverted).toBe(false);
    // The image fills rows 10.5..17.5 of 28; rows above are padding at the border mean (0).
    expect(r.pixels[2 * 28 + 14]).toBe(0);
    expect(r.pixels[14 * 28 + 14]).toBe(255);
  });

  it('refuses an image whose bytes do not fill its size', () => {
    expect(() =>
      toModelPixels({ data: new Uint8Array(10), width: 4, height: 4, channels: 3 }),
    ).toThrow(DeviceError);
  });
});

describe('toColourPixels', () => {
  it("averages the image's centred square down to side x side RGB, transparent pixels on white", () => {
    // 8x4 RGBA: the centred 4x4 square is columns 2..5; its left half red, right half transparent.
    const width = 8;
    const height = 4;
    const data = new Uint8ClampedArray(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 4;
        if (x < 2 || x >= 6)
          data.set([0, 0, 255, 255], o); // outside the square: blue
        else if (x < 4) data.set([255, 0, 0, 255], o);
        else data.set([0, 0, 0, 0], o);
      }
    }
    const { pixels, inverted } = toColourPixels({ data, width, height, channels: 4 }, 2);
    expect(inverted).toBe(false);
    expect([...pixels]).toEqual([255, 0, 0, 255, 255, 255, 255, 0, 0, 255, 255, 255]);
  });

  it('takes grey images as equal channels, and toInputPixels picks by the model input', () => {
    const grey = {
      data: Uint8Array.from([10, 20, 30, 40]),
      width: 2,
      height: 2,
      channels: 1 as const,
    };
    expect([...toColourPixels(grey, 1).pixels]).toEqual([25, 25, 25]);
    expect(toInputPixels(grey, [4, 4, 3]).pixels).toHaveLength(48);
    expect(toInputPixels(grey, [28, 28, 1]).pixels).toHaveLength(784);
    expect(() => toColourPixels({ ...grey, data: new Uint8Array(3) }, 2)).toThrow(
      /needs 4 bytes, got 3/,
    );
  });
});
