// The device side of Edgent (browser-safe): the session with the edge and co-inference.

export * from './backoff';
export * from './calibration';
export * from './co-inference';
export * from './connection';
export * from './dynamic-mode';
export * from './edge-client';
export * from './edge-profile';
export * from './errors';
export * from './image';
export * from './link-policy';
export * from './queue';
export * from './replay';
export * from './session';
