import {
  type DeviceProfile,
  DeviceSlowdown,
  describeMachine,
  type MultiExitModel,
  profileDevice,
} from '@edgent/model/node';
import { SingleBar } from 'cli-progress';

/** How `edgent profile` (and `edgent device` with a slowed device) time this device. */
export interface ProfilingFlags {
  backend: 'cpu' | 'wasm';
  perKind: number;
  warmup: number;
  runs: number;
  minSampleMs: number;
  statistic: 'min' | 'median';
  seed: number;
  /** Device emulation: every timed call takes this many times as long (1: as it is). */
  deviceSlowdown: number;
}

/** The defaults of `edgent profile`'s flags. */
export const PROFILING_DEFAULTS = {
  perKind: 24,
  warmup: 2,
  runs: 15,
  minSampleMs: 1,
  statistic: 'min',
  seed: 1,
  deviceSlowdown: 1,
} as const;

/**
 * Profiles this device (the active tfjs backend) on `model`, with a progress bar on stderr.
 * With a slow-down the profile is of the slowed device, and does not say so: the planner is
 * never told the factor.
 */
export async function profileWithProgress(
  model: MultiExitModel,
  modelHash: string,
  flags: ProfilingFlags,
): Promise<DeviceProfile> {
  const m = describeMachine();
  const bar = new SingleBar({
    format: 'profiling {phase} |{bar}| round {value}/{total}',
    barsize: 24,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
  let current = '';
  const now = () => performance.now();
  const profile = await profileDevice(model, {
    backend: flags.backend,
    device: `${m.cpu}, ${m.cores} cores, Node ${m.node} (${m.platform})`,
    perKind: flags.perKind,
    seed: flags.seed,
    warmup: flags.warmup,
    runs: flags.runs,
    minSampleMs: flags.minSampleMs,
    statistic: flags.statistic,
    now,
    modelHash,
    ...(flags.deviceSlowdown > 1
      ? { slowdown: new DeviceSlowdown(flags.deviceSlowdown, now) }
      : {}),
    onPhase: (phase, done, total) => {
      if (phase !== current) {
        if (current) bar.stop();
        current = phase;
        bar.start(total, 0, { phase });
      }
      bar.update(done, { phase });
    },
  });
  bar.stop();
  return profile;
}
