import { useState } from 'react';
import { DEFAULT_LINK_FORM, type LinkForm } from '../edge/link-settings';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';

/** Simulated bandwidth: the edge emulates the link on this page's session. */
export function LinkControls() {
  const { link, connection } = useAppState();
  const engine = useEngine();
  const [form, setForm] = useState<LinkForm>({ ...DEFAULT_LINK_FORM });
  const set = <K extends keyof LinkForm>(key: K, value: LinkForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const noTraces = link.traces.length === 0;
  return (
    <section className="panel" aria-labelledby="link-h">
      <h2 id="link-h">Simulated bandwidth</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void engine.applyLink(form);
        }}
      >
        <div className="field">
          <label htmlFor="link-mode">Link</label>
          <select
            id="link-mode"
            data-testid={T.linkMode}
            value={form.mode}
            onChange={(e) => set('mode', e.target.value as LinkForm['mode'])}
          >
            <option value="off">off (the real link)</option>
            <option value="fixed">fixed rate</option>
            <option value="trace">replay a trace</option>
          </select>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="link-rate">Rate (kbit/s, fixed)</label>
            <input
              id="link-rate"
              type="number"
              data-testid={T.linkRate}
              min={1}
              step="any"
              value={form.rateKbps}
              onChange={(e) => set('rateKbps', Number(e.target.value))}
            />
          </div>
          <div className="field">
            <label htmlFor="link-delay">One-way delay (ms)</label>
            <input
              id="link-delay"
              type="number"
              data-testid={T.linkDelay}
              min={0}
              max={60000}
              step="any"
              value={form.delayMs}
              onChange={(e) => set('delayMs', Number(e.target.value))}
            />
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="link-trace">Trace</label>
            <select
              id="link-trace"
              data-testid={T.linkTrace}
              value={form.trace}
              onChange={(e) => set('trace', e.target.value)}
            >
              <option value="">{noTraces ? 'none on this edge' : 'choose…'}</option>
              {link.traces.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="link-scale">Scale (trace)</label>
            <input
              id="link-scale"
              type="number"
              data-testid={T.linkScale}
              min={0.01}
              step="any"
              value={form.scale}
              onChange={(e) => set('scale', Number(e.target.value))}
            />
          </div>
        </div>
        <button
          type="submit"
          data-testid={T.linkApply}
          disabled={link.applying || connection.status !== 'connected'}
        >
          {link.applying ? 'Applying…' : 'Apply'}
        </button>
      </form>
      <p>
        Edge emulates: <strong data-testid={T.linkApplied}>{link.applied}</strong>
      </p>
      {link.error && (
        <p className="error" role="alert">
          {link.error}
        </p>
      )}
      <p className="hint">
        The edge holds each frame for bytes / rate plus the delay, in each direction. The planner is
        not told the rate: after applying, the page forgets its estimate and measures again.
      </p>
    </section>
  );
}
