import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installBenchHook } from './bench-hook';
import { Engine } from './session/engine';
import { EngineContext } from './ui/engine-context';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const engine = new Engine();
createRoot(root).render(
  <StrictMode>
    <EngineContext.Provider value={engine}>
      <App />
    </EngineContext.Provider>
  </StrictMode>,
);
installBenchHook(engine);
void engine.start();
