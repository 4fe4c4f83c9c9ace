// The edge's thin entry: reads PORT, HTTPS_PORT (HTTPS=0: off), HOST and EDGENT_MODEL_DIR; `edgent serve` takes flags instead.
import { banner } from './banner.js';
import { EdgeError } from './errors.js';
import { defaultLogFormat, loggerOptions } from './log-format.js';
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
  const httpsPort = Number(process.env.HTTPS_PORT ?? 8443);
  const { addresses } = await serve(
    { modelDir, logger: loggerOptions('info', defaultLogFormat()) },
    { port, host, https: process.env.HTTPS === '0' ? false : { port: httpsPort } },
  );
  process.stdout.write(banner(addresses));
} catch (error) {
  if (!(error instanceof EdgeError)) throw error;
  process.stderr.write(`${error.code}: ${error.message}\n`);
  process.exit(1);
}
