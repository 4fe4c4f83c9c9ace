/** How numbers read on the page. */

/** Milliseconds with precision that suits their size: "0.84 ms", "12.3 ms", "250 ms". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  const digits = a < 10 ? 2 : a < 100 ? 1 : 0;
  return `${ms.toFixed(digits)} ms`;
}

/** A link rate in bit/s: "850 kbit/s", "12.4 Mbit/s", "1.2 Gbit/s". */
export function formatRate(bps: number): string {
  if (!Number.isFinite(bps)) return '–';
  const units: [number, string][] = [
    [1e9, 'Gbit/s'],
    [1e6, 'Mbit/s'],
    [1e3, 'kbit/s'],
  ];
  for (const [scale, unit] of units) {
    if (bps >= scale) return `${significant(bps / scale)} ${unit}`;
  }
  return `${significant(bps)} bit/s`;
}

/** Where a plan runs: "all on the edge", "all on the device", or "device runs 3, edge 9". */
export function describeCut(partition: number, layers: number): string {
  if (partition === 0) return 'all on the edge';
  if (partition === layers) return 'all on the device';
  return `device runs ${partition}, edge ${layers - partition}`;
}

/** A 0..1 share as a percentage with one decimal: "93.2%". */
export function formatPercent(share: number): string {
  return Number.isFinite(share) ? `${(100 * share).toFixed(1)}%` : '–';
}

/** Bytes: "784 B", "12.5 KiB", "2.4 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${significant(bytes / 1024)} KiB`;
  return `${significant(bytes / 1024 ** 2)} MiB`;
}

/** Three significant digits, no exponent: 1.23, 12.3, 123. */
function significant(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
