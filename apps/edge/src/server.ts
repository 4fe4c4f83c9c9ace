import { buildApp } from './app.js';
import { EdgeError } from './errors.js';
import { defaultModelDir } from './paths.js';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '0.0.0.0';
const modelDir = process.env.EDGENT_MODEL_DIR ?? defaultModelDir;

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be an integer 0..65535; received ${process.env.PORT}\n`);
  process.exit(1);
}

const app = await buildApp({ modelDir, logger: { level: 'info' } }).catch((error: unknown) => {
  if (!(error instanceof EdgeError)) throw error;
  process.stderr.write(`${error.code}: ${error.message}\n`);
  process.exit(1);
});
await app.listen({ port, host });

const address = app.server.address();
const boundPort = typeof address === 'object' && address !== null ? address.port : port;
const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
process.stdout.write(`Edgent edge listening on http://${shownHost}:${boundPort}\n`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'closing');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error(error, 'close failed');
        process.exit(1);
      },
    );
  });
}
