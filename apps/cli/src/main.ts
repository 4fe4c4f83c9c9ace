import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerDevice } from './commands/device';
import { registerEval } from './commands/eval';
import { registerExperiment } from './commands/experiment';
import { registerPlan } from './commands/plan';
import { registerProfile } from './commands/profile';
import { registerServe } from './commands/serve';
import { registerTrain, UsageError } from './commands/train';

// A reader that stops early (`edgent plan | head -1`) closes the pipe: what is left unread was
// not wanted, so stop quietly and successfully instead of dying of EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

const program = new Command('edgent')
  .description('Edgent: device-edge co-inference with DNN partitioning and early exit')
  .version(version, '-V, --version', 'print the version and exit')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerTrain(program);
registerEval(program);
registerProfile(program);
registerPlan(program);
registerServe(program);
registerDevice(program);
registerExperiment(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Help and version exit 0; every usage error exits 2.
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  if (e instanceof UsageError) {
    process.stderr.write(`edgent: ${e.message}\n`);
    process.exit(2);
  }
  const err = e as Error & { code?: string };
  process.stderr.write(`edgent: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
  process.exit(1);
}
