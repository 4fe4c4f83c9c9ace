import { fileURLToPath } from 'node:url';

/** The repository root (apps/cli/src/../../..). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the shipped default model lives. */
export const defaultModelDir = fileURLToPath(
  new URL('../../../models/b-alexnet-fmnist/', import.meta.url),
);
