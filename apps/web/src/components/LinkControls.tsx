import { useState } from 'react';
import {
  DEFAULT_LINK_FORM,
  LINK_PRESETS,
  type LinkField,
  type LinkForm,
  linkSettingsOf,
  playbackPosition,
  presetForm,
} from '../edge/link-settings';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';
import { useTick } from '../ui/hooks';
import { FieldError, NumberField } from './Fields';
import { Panel } from './Panel';

/** Simulated bandwidth: the edge emulates the link on this page's session. */
export function LinkControls() {
  const { link, connection } = useAppState();
  const engine = useEngine();
  const [form, setForm] = useState<LinkForm>({ ...DEFAULT_LINK_FORM });
  const [touched, setTouched] = useState(false);
  const set = <K extends keyof LinkForm>(key: K, value: LinkForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const connected = connection.status === 'connected';
  const checked = linkSettingsOf(form);
  const fieldError = (field: LinkField) =>
    touched && !checked.ok && checked.field === field ? checked.message : undefined;
  const apply = (next: LinkForm) => {
    setTouched(true);
    if (linkSettingsOf(next).ok) void engine.applyLink(next);
  };
  return (
    <Panel id="link" title="Simulated bandwidth" collapseOnPhone summary={link.applied}>
      <fieldset className="presets" disabled={link.applying || !connected}>
        <legend>Presets (apply at once)</legend>
        <div className="button-row">
          {LINK_PRESETS.map((p) => (
            <button
              key={p.id}
              type="button"
              className="preset"
              data-testid={T.linkPreset(p.id)}
              title={`${p.rateKbps} kbit/s, ${p.delayMs} ms one way (${p.note})`}
              onClick={() => {
                const next = presetForm(p, form);
                setForm(next);
                apply(next);
              }}
            >
              {p.label}
            </button>
          ))}
        </div>
      </fieldset>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          apply(form);
        }}
      >
        <div className="field">
          <label htmlFor="link-mode">Link</label>
          <select
            id="link-mode"
            data-testid={T.linkMode}
            value={form.mode}
            onChange={(e) => {
              setTouched(false);
              set('mode', e.target.value as LinkForm['mode']);
            }}
          >
            <option value="off">off (the real link)</option>
            <option value="fixed">fixed rate</option>
            <option value="trace">replay a trace</option>
          </select>
        </div>
        {form.mode === 'fixed' && (
          <NumberField
            id="link-rate"
            label="Rate (kbit/s)"
            testId={T.linkRate}
            value={form.rateKbps}
            error={fieldError('rateKbps')}
            onChange={(v) => set('rateKbps', v)}
          />
        )}
        {form.mode === 'trace' && (
          <>
            <div className="field">
              <label htmlFor="link-trace">Trace</label>
              <select
                id="link-trace"
                data-testid={T.linkTrace}
                value={form.trace}
                aria-invalid={fieldError('trace') ? true : undefined}
                aria-describedby={fieldError('trace') ? 'link-trace-error' : undefined}
                onChange={(e) => set('trace', e.target.value)}
              >
                <option value="">
                  {link.traces.length === 0 ? 'none on this edge' : 'choose…'}
                </option>
                {link.traces.map((name) => {
                  const d = link.details.find((x) => x.name === name);
                  return (
                    <option key={name} value={name}>
                      {d
                        ? `${name}: ${d.minMbps.toFixed(2)}–${d.maxMbps.toFixed(2)} Mbit/s, mean ${d.meanMbps.toFixed(2)}, ${Math.round(d.durationS)} s`
                        : name}
                    </option>
                  );
                })}
              </select>
              <FieldError id="link-trace" error={fieldError('trace')} />
            </div>
            <NumberField
              id="link-scale"
              label="Scale (every rate × this)"
              testId={T.linkScale}
              value={form.scale}
              error={fieldError('scale')}
              onChange={(v) => set('scale', v)}
            />
          </>
        )}
        {form.mode !== 'off' && (
          <NumberField
            id="link-delay"
            label="One-way delay (ms)"
            testId={T.linkDelay}
            value={form.delayMs}
            error={fieldError('delayMs')}
            onChange={(v) => set('delayMs', v)}
          />
        )}
        <button type="submit" data-testid={T.linkApply} disabled={link.applying || !connected}>
          {link.applying ? 'Applying…' : 'Apply'}
        </button>
      </form>
      <p>
        Edge emulates: <strong data-testid={T.linkApplied}>{link.applied}</strong>
      </p>
      <TracePosition />
      {link.error && (
        <p className="error" role="alert">
          {link.error}
        </p>
      )}
      <p className="hint">
        The edge holds each frame for bytes / rate plus the delay, in each direction. The planner is
        not told the rate: after applying, the page forgets its estimate and measures again.
      </p>
    </Panel>
  );
}

/** Where the replayed trace is now (it loops), from when the edge confirmed it. */
function TracePosition() {
  const { link } = useAppState();
  const engine = useEngine();
  const r = link.replaying;
  useTick(1000, r !== undefined);
  if (!r || link.appliedAt === undefined) return null;
  const { atS, loop } = playbackPosition(engine.seconds() - link.appliedAt, r.durationS);
  return (
    <p className="hint" data-testid={T.tracePosition} data-at-s={atS.toFixed(1)}>
      Replaying {r.name} ×{r.scale}: {Math.floor(atS)} s of {Math.round(r.durationS)} s (loop {loop}
      )
    </p>
  );
}
