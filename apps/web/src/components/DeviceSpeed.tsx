import { MAX_SLOWDOWN } from '@edgent/model';
import { useState } from 'react';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';
import { NumberField } from './Fields';
import { Panel } from './Panel';

/** The presets of the simulated device speed: factors only, no device names (none was measured). */
const PRESETS = [1, 4, 16, 64] as const;

/**
 * Simulated device speed, the compute twin of the simulated bandwidth: the
 * head of every request (and the profiling after a change) really takes N
 * times as long on this device. The planner is not told N: it measures the
 * slower device.
 */
export function DeviceSpeed() {
  const { settings, profile } = useAppState();
  const engine = useEngine();
  const applied = settings.deviceSlowdown;
  const preset = (PRESETS as readonly number[]).includes(applied) ? String(applied) : 'custom';
  const [choice, setChoice] = useState(preset);
  const [custom, setCustom] = useState(String(applied));
  const [error, setError] = useState<string | undefined>();
  const busy = profile.status === 'profiling';
  const apply = (factor: number) => {
    if (!(Number.isFinite(factor) && factor >= 1 && factor <= MAX_SLOWDOWN)) {
      setError(`a factor from 1 (this device as it is) to ${MAX_SLOWDOWN}`);
      return;
    }
    setError(undefined);
    void engine.setDeviceSlowdown(factor);
  };
  return (
    <Panel id="device-speed" title="Simulated device speed" collapseOnPhone summary={`×${applied}`}>
      <div className="field">
        <label htmlFor="device-slowdown">This device, slowed</label>
        <select
          id="device-slowdown"
          data-testid={T.deviceSlowdown}
          data-applied={applied}
          value={choice}
          disabled={busy}
          onChange={(e) => {
            setChoice(e.target.value);
            if (e.target.value !== 'custom') apply(Number(e.target.value));
          }}
        >
          {PRESETS.map((f) => (
            <option key={f} value={String(f)}>
              {f === 1 ? '×1 (as it is)' : `×${f}`}
            </option>
          ))}
          <option value="custom">custom</option>
        </select>
      </div>
      {choice === 'custom' && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            apply(Number(custom));
          }}
        >
          <NumberField
            id="device-slowdown-custom"
            label={`Factor (1 to ${MAX_SLOWDOWN})`}
            testId={T.deviceSlowdownCustom}
            value={custom}
            error={error}
            onChange={setCustom}
          />
          <button type="submit" data-testid={T.deviceSlowdownApply} disabled={busy}>
            Apply
          </button>
        </form>
      )}
      <p className="hint">
        Each head call really takes ×{applied} as long: the page waits (N − 1) times the compute it
        just measured, busy, as a slower processor would be. A new factor profiles this device again
        at that speed (once; then from the cache), so the planner measures the slower device and is
        never told N. Profiling takes about N times as long.
      </p>
    </Panel>
  );
}
