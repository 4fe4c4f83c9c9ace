import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's place in `apps/edge/src`. */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

/** Where the web issue's build puts the device page. */
export const defaultWebRoot: string = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** The shipped default model. */
export const defaultModelDir: string = fileURLToPath(
  new URL('../../../models/b-alexnet-fmnist', import.meta.url),
);
