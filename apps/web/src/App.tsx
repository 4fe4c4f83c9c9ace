import { Charts } from './components/Charts';
import { ContextNotice } from './components/ContextNotice';
import { Controls } from './components/Controls';
import { DeviceSpeed } from './components/DeviceSpeed';
import { EdgeNotice } from './components/EdgeNotice';
import { EdgePanel } from './components/EdgePanel';
import { InputsPanel } from './components/InputsPanel';
import { LinkControls } from './components/LinkControls';
import { ResultBar } from './components/ResultBar';
import { ResultPanel } from './components/ResultPanel';
import { RuntimePanel } from './components/RuntimePanel';
import { SessionPanel } from './components/SessionPanel';
import { StatusBanner } from './components/StatusBanner';
import { SweepPanel } from './components/SweepPanel';
import { useAppState } from './ui/engine-context';
import { formatBytes } from './ui/format';

/** The device page: inputs, the answer, controls, and charts over time. */
export function App() {
  const s = useAppState();
  return (
    <>
      <a className="skip-link" href="#result">
        Skip to the answer
      </a>
      <header className="top">
        <h1>Edgent</h1>
        <p className="tagline">
          This browser runs the first layers of a multi-exit network, the edge runs the rest, and
          the planner picks the exit and the cut that meet the deadline.
        </p>
        <StatusBanner />
        <ContextNotice />
        <EdgeNotice />
        {s.fatal && (
          <p className="error" role="alert">
            The page could not start: {s.fatal}
          </p>
        )}
        {s.model && (
          <p className="hint model-line">
            Model {s.model.id} ({formatBytes(s.model.bytes)} of weights, {s.model.exits.length}{' '}
            exits) from the edge.
          </p>
        )}
      </header>
      <main className="layout">
        <div className="column">
          <InputsPanel />
        </div>
        <div className="column">
          <ResultPanel />
          <SessionPanel />
          <SweepPanel />
        </div>
        <div className="column">
          <EdgePanel />
          <Controls />
          <LinkControls />
          <DeviceSpeed />
          <RuntimePanel />
        </div>
        <div className="wide">
          <Charts />
        </div>
      </main>
      <ResultBar />
    </>
  );
}
