// The planner: pure functions over plain records (docs/planner.md).

export * from './bandwidth/estimator';
export * from './bandwidth/trace';
export * from './baselines';
export * from './changepoint/bocpd';
export * from './config-map/config-map';
export * from './config-map/dynamic';
export * from './errors';
export * from './payload';
export * from './regression';
export * from './search';
export type * from './types';
