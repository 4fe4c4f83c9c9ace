export { evaluate } from './evaluate';
export { type FoldOptions, foldTrained } from './fold';
export { jointLoss } from './loss';
export { gatherBatch, type OptimizerState, Replica, type ShardGradients } from './replica';
export {
  type StepReport,
  type TrainCheckpoint,
  type TrainHooks,
  type TrainSettings,
  train,
} from './train';
