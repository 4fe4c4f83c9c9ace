// Worker threads start without the parent's TypeScript loader: register tsx, then load the worker.
// Piscina imports this file and calls its default export for each task.
import { register } from 'tsx/esm/api';

register();
const { default: handle } = await import('./worker.ts');

export default handle;
