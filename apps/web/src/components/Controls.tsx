import type { Encoding } from '@edgent/planner';
import { useEffect, useState } from 'react';
import type { Mode } from '../session/state';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';
import { Panel } from './Panel';

const MAX_DEADLINE = 2000;

/** Deadline, payload encoding and planning mode. */
export function Controls() {
  const { settings } = useAppState();
  const engine = useEngine();
  // The typed text, so a half-typed number is not overwritten; committed when it parses.
  const [draft, setDraft] = useState(String(settings.deadlineMs));
  useEffect(() => setDraft(String(settings.deadlineMs)), [settings.deadlineMs]);
  const commit = (text: string) => {
    const n = Number(text);
    if (text.trim() !== '' && Number.isFinite(n)) engine.setDeadline(n);
  };
  return (
    <Panel
      id="controls"
      title="Requirement and plan"
      collapseOnPhone
      summary={`${settings.deadlineMs} ms, ${settings.encoding}, ${settings.mode}`}
    >
      <div className="field">
        <label htmlFor="deadline">Deadline (ms)</label>
        <div className="deadline-row">
          <input
            id="deadline"
            type="number"
            data-testid={T.deadline}
            min={1}
            max={MAX_DEADLINE}
            step={1}
            value={draft}
            onChange={(e) => {
              setDraft(e.target.value);
              commit(e.target.value);
            }}
            onBlur={() => setDraft(String(settings.deadlineMs))}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                commit(draft);
                setDraft(String(settings.deadlineMs));
              }
            }}
          />
          <input
            type="range"
            aria-label="Deadline (ms), slider"
            data-testid={T.deadlineSlider}
            min={1}
            max={MAX_DEADLINE}
            step={1}
            value={settings.deadlineMs}
            onChange={(e) => engine.setDeadline(Number(e.target.value))}
          />
        </div>
      </div>
      <p>
        Plan:{' '}
        <strong data-testid={T.planSource} data-pinned={String(settings.pinned !== undefined)}>
          {settings.pinned
            ? `pinned exit ${settings.pinned.exit} partition ${settings.pinned.partition}`
            : 'planner'}
        </strong>{' '}
        {settings.pinned ? (
          <button type="button" data-testid={T.unpin} onClick={() => engine.pinPlan(undefined)}>
            Let the planner choose
          </button>
        ) : (
          <span className="hint">(pin any plan from “Why this plan” to try it)</span>
        )}
      </p>
      <div className="field">
        <label htmlFor="encoding">Payload encoding</label>
        <select
          id="encoding"
          data-testid={T.encoding}
          value={settings.encoding}
          onChange={(e) => engine.setEncoding(e.target.value as Encoding)}
        >
          <option value="float32">float32</option>
          <option value="float16">float16 (half the bytes)</option>
          <option value="int8">int8 (a quarter, with scale and zero point)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="mode">Mode</label>
        <select
          id="mode"
          data-testid={T.mode}
          value={settings.mode}
          aria-describedby="mode-hint"
          onChange={(e) => engine.setMode(e.target.value as Mode)}
        >
          <option value="static">static</option>
          <option value="dynamic">dynamic bandwidth</option>
        </select>
        <p id="mode-hint" className="hint">
          Static plans every request from the current bandwidth estimate. Dynamic fills a
          configuration map (a plan per bandwidth state and deadline) at start and switches plans
          only when change-point detection sees the measured bandwidth change.
        </p>
      </div>
    </Panel>
  );
}
