import { cpus, totalmem } from 'node:os';

/** A one-line description of this machine, for reports and manifests. */
export function describeMachine(): {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
} {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
