import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Engine } from '../session/engine';
import type { AppState } from '../session/state';

export const EngineContext = createContext<Engine | null>(null);

/** The page's engine (the device). */
export function useEngine(): Engine {
  const engine = useContext(EngineContext);
  if (!engine) throw new Error('useEngine outside <EngineContext.Provider>');
  return engine;
}

/** The engine's current state; re-renders on every change. */
export function useAppState(): AppState {
  const engine = useEngine();
  return useSyncExternalStore(engine.subscribe, engine.getState);
}
