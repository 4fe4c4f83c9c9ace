// The device side of Edgent (browser-safe): the session with the edge and co-inference.

export * from './calibration';
export * from './co-inference';
export * from './dynamic-mode';
export * from './edge-client';
export * from './errors';
export * from './image';
export * from './link-policy';
export * from './replay';
