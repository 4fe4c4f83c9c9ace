import { Charts } from './components/Charts';
import { Controls } from './components/Controls';
import { EdgeNotice } from './components/EdgeNotice';
import { EdgePanel } from './components/EdgePanel';
import { InputsPanel } from './components/InputsPanel';
import { LinkControls } from './components/LinkControls';
import { ResultPanel } from './components/ResultPanel';
import { RuntimePanel } from './components/RuntimePanel';
import { useAppState } from './ui/engine-context';
import { formatBytes } from './ui/format';

const STAGES: Record<string, string> = {
  starting: 'Detecting what this browser can run…',
  'loading-model': 'Loading the model from the edge…',
  'starting-backend': 'Starting the tfjs backend…',
  profiling: 'Profiling this device (first visit only)…',
};

/** The device page: inputs, the answer, controls, and charts over time. */
export function App() {
  const s = useAppState();
  return (
    <>
      <header className="top">
        <h1>Edgent</h1>
        <p className="tagline">
          Device-edge co-inference: this browser runs the first layers of a multi-exit network, the
          edge runs the rest, and the planner picks the exit and the cut that meet the deadline.
        </p>
        {STAGES[s.stage] && (
          <p className="stage" role="status">
            {STAGES[s.stage]}
          </p>
        )}
        {s.model && (
          <p className="hint">
            Model {s.model.id} ({formatBytes(s.model.bytes)} of weights, {s.model.exits.length}{' '}
            exits) from the edge.
          </p>
        )}
        <EdgeNotice />
        {s.fatal && (
          <p className="error" role="alert">
            The page could not start: {s.fatal}
          </p>
        )}
      </header>
      <main className="layout">
        <div className="column">
          <InputsPanel />
        </div>
        <div className="column">
          <ResultPanel />
        </div>
        <div className="column">
          <EdgePanel />
          <Controls />
          <LinkControls />
          <RuntimePanel />
        </div>
        <div className="wide">
          <Charts />
        </div>
      </main>
    </>
  );
}
