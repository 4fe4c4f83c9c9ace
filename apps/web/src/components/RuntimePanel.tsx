import type { BackendName } from '../runtime/backend';
import { describeCapabilities } from '../runtime/capabilities';
import type { AppState } from '../session/state';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';
import { formatMs, formatPercent } from '../ui/format';
import { Panel } from './Panel';

/** The tfjs backend, this device's profile, and what it predicts. */
export function RuntimePanel() {
  const s = useAppState();
  const engine = useEngine();
  const { profile } = s;
  const p = profile.profile;
  const wasmBits = s.wasm
    ? ` (SIMD ${s.wasm.simd ? 'on' : 'off'}, threads ${s.wasm.threads ? 'on' : 'off'})`
    : '';
  return (
    <Panel id="runtime" title="This device" collapseOnPhone summary={s.backend}>
      <p>
        Backend: <strong data-testid={T.backend}>{s.backend ?? ''}</strong>
        {s.backend ? wasmBits : ' starting…'}
      </p>
      {s.models.length > 1 && (
        <div className="field">
          <label htmlFor="model-select">Model</label>
          <select
            id="model-select"
            data-testid={T.modelSelect}
            value={s.model?.id ?? ''}
            disabled={!s.model}
            onChange={(e) => engine.switchModel(e.target.value)}
          >
            {s.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id} ({m.input.join('x')})
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="field">
        <label htmlFor="backend-select">Run the model on</label>
        <select
          id="backend-select"
          data-testid={T.backendSelect}
          value={s.backend ?? ''}
          disabled={!s.backend || s.switchingBackend || profile.status === 'profiling'}
          onChange={(e) => void engine.switchBackend(e.target.value as BackendName)}
        >
          {!s.backend && <option value="">…</option>}
          {s.backends.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </div>
      <p className="hint">
        The page starts on WASM when it can: this model's layers are tiny, so each GPU dispatch and
        read-back costs more than the arithmetic, and WASM answered fastest where it was measured.
        WebGPU, then WebGL, then plain JavaScript (cpu) follow. Switching re-profiles the new
        backend once.
      </p>
      {s.capabilities && <p className="hint">Detected: {describeCapabilities(s.capabilities)}</p>}
      {s.fallbacks.length > 0 && (
        <p className="warn">
          Fell back from {s.fallbacks.map((f) => `${f.backend} (${f.reason})`).join(', ')}.
        </p>
      )}

      <h3>Latency profile</h3>
      <p>
        Status:{' '}
        {profile.status === 'idle' ? (
          <span>waiting for the model</span>
        ) : (
          <span
            data-testid={T.profileStatus}
            data-ms={p ? p.durationMs.toFixed(1) : ''}
            data-backend={p?.backend ?? s.backend ?? ''}
            data-latency={p ? JSON.stringify(p.latency) : ''}
          >
            {profile.status}
          </span>
        )}
      </p>
      {profile.status === 'profiling' && (
        <div
          className="progress"
          role="progressbar"
          data-testid={T.profileProgress}
          aria-label="Profiling this device"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={profile.progress}
        >
          <div className="progress-bar" style={{ width: `${profile.progress}%` }} />
        </div>
      )}
      {profile.status === 'profiling' && (
        <p className="hint">
          Timing layer configurations and every slice of the model
          {profile.phase === 'model' ? ' (model slices)' : ' (layer configurations)'}…{' '}
          {profile.progress}%
        </p>
      )}
      {p && (
        <p className="hint">
          {profile.fromCache ? 'Cached profile' : 'Profiled'} on {p.backend} in{' '}
          {(p.durationMs / 1000).toFixed(1)} s; variant {p.chosen} predicts{' '}
          {formatPercent(p.slices.within10)} of {p.slices.n} slices within ±10% (median error{' '}
          {p.slices.mape.toFixed(1)}%).
        </p>
      )}
      {p && p.slices.within10 < 0.5 && (
        <p className="warn" role="status" data-testid={T.profileWarning}>
          This profile predicts only {formatPercent(p.slices.within10)} of its own slices within
          ±10%: plans made with it may miss their deadline. Profile again when the device is idle
          (other tabs and apps closed).
        </p>
      )}
      {s.calibration && <CalibrationLine calibration={s.calibration} />}
      {profile.status === 'failed' && (
        <p className="error" role="alert">
          Profiling failed: {profile.error}. Planning with the shipped stand-in device profile.
        </p>
      )}
      <div className="field">
        <label htmlFor="profile-statistic">Timing kept per measurement</label>
        <select
          id="profile-statistic"
          data-testid={T.profileStatistic}
          value={s.settings.profileStatistic}
          aria-describedby="profile-statistic-hint"
          disabled={profile.status === 'profiling' || s.stage !== 'ready'}
          onChange={(e) => void engine.setProfileStatistic(e.target.value as 'min' | 'median')}
        >
          <option value="min">fastest round (a device that runs steadily)</option>
          <option value="median">median round (a device that throttles or is busy)</option>
        </select>
        <p id="profile-statistic-hint" className="hint">
          Changing it profiles again. The median also sees DevTools CPU throttling, whose pauses the
          fastest 1 ms sample slips between.
        </p>
      </div>
      <p>
        Device-only, last exit:{' '}
        <span data-testid={T.deviceOnlyMs} data-ms={s.deviceOnlyMs?.toFixed(3) ?? ''}>
          {s.deviceOnlyMs === undefined ? '–' : formatMs(s.deviceOnlyMs)}
        </span>{' '}
        predicted
      </p>
      <button
        type="button"
        data-testid={T.reprofile}
        disabled={profile.status === 'profiling' || !s.backend || s.stage !== 'ready'}
        onClick={() => void engine.reprofile()}
      >
        Profile this device again
      </button>
    </Panel>
  );
}

/** What the answers so far say of the profiles: the correction the planner now plans with. */
function CalibrationLine({ calibration }: { calibration: NonNullable<AppState['calibration']> }) {
  const { device, edge } = calibration;
  return (
    <p
      className={device.mismatch ? 'warn' : 'hint'}
      data-testid={T.calibration}
      data-device-median={device.median.toFixed(4)}
      data-device-scale={device.planning.toFixed(4)}
      data-edge-extra-ms={edge.planning.toFixed(3)}
    >
      Calibration from {device.samples} device and {edge.samples} edge answers: the device takes ×
      {device.median.toFixed(2)} its profile (planned at ×{device.planning.toFixed(2)}), the edge{' '}
      {edge.median >= 0 ? '+' : ''}
      {edge.median.toFixed(1)} ms a request beyond its profile (planned at{' '}
      {edge.planning >= 0 ? '+' : ''}
      {edge.planning.toFixed(1)} ms).
      {device.mismatch && ' The device profile does not describe this device now: profile again.'}
    </p>
  );
}
