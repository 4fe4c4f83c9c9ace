import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  centreSquare,
  fitWithin,
  grayToRgba,
  isUploadType,
} from '../src/image/pixels';

describe('image helpers', () => {
  it('decodes base64 to the bytes it encodes', () => {
    const bytes = Uint8Array.from({ length: 784 }, (_, i) => (i * 7) % 256);
    expect(base64ToBytes(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
  });

  it('turns gray bytes into opaque RGBA', () => {
    expect([...grayToRgba(Uint8Array.from([0, 128, 255]))]).toEqual([
      0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255,
    ]);
  });

  it('shrinks big images to fit, keeping the aspect ratio, and never enlarges', () => {
    expect(fitWithin(4000, 3000, 280)).toEqual({ width: 280, height: 210 });
    expect(fitWithin(300, 6000, 280)).toEqual({ width: 14, height: 280 });
    expect(fitWithin(28, 28, 280)).toEqual({ width: 28, height: 28 });
    expect(fitWithin(10_000, 1, 280)).toEqual({ width: 280, height: 1 });
    expect(() => fitWithin(0, 10, 280)).toThrow(RangeError);
  });

  it('finds the centred square of a frame', () => {
    expect(centreSquare(320, 240)).toEqual({ x: 40, y: 0, side: 240 });
    expect(centreSquare(240, 320)).toEqual({ x: 0, y: 40, side: 240 });
    expect(centreSquare(5, 5)).toEqual({ x: 0, y: 0, side: 5 });
  });

  it('accepts PNG, JPEG and WebP uploads, by type or by name when the type is missing', () => {
    for (const t of ['image/png', 'image/jpeg', 'image/webp', 'IMAGE/PNG']) {
      expect(isUploadType(t)).toBe(true);
    }
    expect(isUploadType('image/gif', 'a.gif')).toBe(false);
    expect(isUploadType('text/plain', 'a.png')).toBe(false);
    expect(isUploadType('', 'photo.JPG')).toBe(true);
    expect(isUploadType('', 'notes.txt')).toBe(false);
  });
});
