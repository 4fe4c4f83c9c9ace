/**
 * Bytes on the link per partition point. Partition 0 sends the raw input;
 * 0 < p < n sends the output of layer p - 1 in the chosen encoding; p = n
 * sends nothing. Whatever is sent carries a fixed frame header, and so does
 * the result coming back (`classes` float32 scores).
 */
import { PlannerError } from './errors';
import type { Encoding, PlannerPath } from './types';

/**
 * Frame header bytes added to every message, unless a caller says otherwise:
 * packages/protocol's fixed header (`HEADER_BYTES`), which also holds int8's
 * scale and zero point. The planner keeps its own copy to stay free of
 * dependencies; a test checks the two agree.
 */
export const DEFAULT_HEADER_BYTES = 72;

/** Bytes of `elements` tensor values in `encoding`, without the frame header. */
export function encodedBytes(elements: number, encoding: Encoding): number {
  switch (encoding) {
    case 'float32':
      return 4 * elements;
    case 'float16':
      return 2 * elements;
    case 'int8':
      return elements;
  }
}

function checkPartition(path: PlannerPath, p: number): void {
  const n = path.layers.length;
  if (!Number.isInteger(p) || p < 0 || p > n) {
    throw new PlannerError(
      'EDGENT_ERR_BAD_PARTITION',
      `partition ${p} out of range for exit ${path.exit}, which has partitions 0..${n}`,
    );
  }
}

/**
 * Bytes the device sends at partition `p` of `path` (0 when p is the path's
 * length: the device runs everything).
 *
 * @example bytesUp(path, 0, 'int8'); // path.rawInputBytes + 64
 */
export function bytesUp(
  path: PlannerPath,
  p: number,
  encoding: Encoding,
  headerBytes: number = DEFAULT_HEADER_BYTES,
): number {
  checkPartition(path, p);
  const n = path.layers.length;
  if (p === n) return 0;
  if (p === 0) return path.rawInputBytes + headerBytes;
  const layer = path.layers[p - 1];
  const elements = (layer?.outputBytes ?? 0) / 4;
  return encodedBytes(elements, encoding) + headerBytes;
}

/** Bytes of the result the edge returns: `classes` float32 scores plus the header. */
export function resultBytes(classes: number, headerBytes: number = DEFAULT_HEADER_BYTES): number {
  return 4 * classes + headerBytes;
}

/** Bytes the edge returns at partition `p` of `path` (0 when the device runs everything). */
export function bytesDown(
  path: PlannerPath,
  p: number,
  classes: number,
  headerBytes: number = DEFAULT_HEADER_BYTES,
): number {
  checkPartition(path, p);
  return p === path.layers.length ? 0 : resultBytes(classes, headerBytes);
}
