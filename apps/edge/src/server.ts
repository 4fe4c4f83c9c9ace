// The edge's thin entry: reads PORT, HOST and EDGENT_MODEL_DIR; `edgent serve` takes flags instead.
import { EdgeError } from './errors.js';
import { defaultModelDir } from './paths.js';
import { serve } from './serve.js';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '0.0.0.0';
const modelDir = process.env.EDGENT_MODEL_DIR ?? defaultModelDir;

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be an integer 0..65535; received ${process.env.PORT}\n`);
  process.exit(1);
}

try {
  const { url } = await serve({ modelDir, logger: { level: 'info' } }, { port, host });
  process.stdout.write(`Edgent edge listening on ${url}\n`);
} catch (error) {
  if (!(error instanceof EdgeError)) throw error;
  process.stderr.write(`${error.code}: ${error.message}\n`);
  process.exit(1);
}
