import { HEADER_BYTES } from '@edgent/protocol';
import { describe, expect, it } from 'vitest';
import {
  bytesDown,
  bytesUp,
  DEFAULT_HEADER_BYTES,
  encodedBytes,
  resultBytes,
} from '../src/payload';
import type { Encoding } from '../src/types';
import { fakePath } from './fakes';

// Raw input 784 bytes (28x28 uint8); layer outputs of 6272, 1568 and 10 elements.
const path = fakePath(2, 0.9, [6272, 1568, 10], 784);

describe('header size', () => {
  it('is the protocol frame header', () => expect(DEFAULT_HEADER_BYTES).toBe(HEADER_BYTES));
});

describe('bytesUp', () => {
  it.each<{ encoding: Encoding; p: number; bytes: number }>([
    { encoding: 'float32', p: 0, bytes: 784 + 72 },
    { encoding: 'int8', p: 0, bytes: 784 + 72 },
    { encoding: 'float32', p: 1, bytes: 4 * 6272 + 72 },
    { encoding: 'float16', p: 1, bytes: 2 * 6272 + 72 },
    { encoding: 'int8', p: 1, bytes: 6272 + 72 },
    { encoding: 'float32', p: 2, bytes: 4 * 1568 + 72 },
    { encoding: 'float16', p: 2, bytes: 2 * 1568 + 72 },
    { encoding: 'int8', p: 2, bytes: 1568 + 72 },
    { encoding: 'float32', p: 3, bytes: 0 },
    { encoding: 'int8', p: 3, bytes: 0 },
  ])('$encoding at partition $p sends $bytes bytes', ({ encoding, p, bytes }) => {
    expect(bytesUp(path, p, encoding)).toBe(bytes);
  });

  it('uses the header it is given', () => {
    expect(bytesUp(path, 1, 'int8', 0)).toBe(6272);
    expect(bytesUp(path, 0, 'float16', 16)).toBe(784 + 16);
    expect(bytesUp(path, 3, 'float16', 16)).toBe(0);
  });

  it.each([-1, 4, 1.5])('rejects partition %s naming the valid range', (p) => {
    expect(() => bytesUp(path, p, 'float32')).toThrow(
      expect.objectContaining({
        code: 'EDGENT_ERR_BAD_PARTITION',
        message: `partition ${p} out of range for exit 2, which has partitions 0..3`,
      }),
    );
  });
});

describe('bytesDown and resultBytes', () => {
  it.each([
    { p: 0, classes: 10, header: DEFAULT_HEADER_BYTES, bytes: 40 + 72 },
    { p: 2, classes: 10, header: DEFAULT_HEADER_BYTES, bytes: 40 + 72 },
    { p: 2, classes: 100, header: 0, bytes: 400 },
    { p: 3, classes: 10, header: DEFAULT_HEADER_BYTES, bytes: 0 },
  ])(
    'partition $p, $classes classes, header $header: $bytes bytes',
    ({ p, classes, header, bytes }) => {
      expect(bytesDown(path, p, classes, header)).toBe(bytes);
    },
  );

  it('result and tensor sizes', () => {
    expect(resultBytes(10)).toBe(40 + 72);
    expect(encodedBytes(100, 'float32')).toBe(400);
    expect(encodedBytes(100, 'float16')).toBe(200);
    expect(encodedBytes(100, 'int8')).toBe(100);
  });
});
