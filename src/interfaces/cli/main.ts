#!/usr/bin/env node
/**
 * The seedsweep command line. Each command lives in src/interfaces/cli/commands/<name>.ts and exports
 * `register(program)`; its handler is a few lines calling into the library. A command module imports
 * only what its definition needs (commander, light constants); what its action runs it imports in
 * the action (`await import(…)`), so that `--help`, `--version` and each command load only their own code
 * (tests/unit/interfaces/cli/startup-imports.test.ts keeps it so).
 */
import { Command, CommanderError } from 'commander';
import { fileURLToPath } from 'node:url';
import { clipLines, CommandVerdict, formatCliError } from './output.js';

import { readPackageVersion } from './version.js';
import { register as registerServe } from './commands/serve.js';
import { register as registerPackage } from './commands/package.js';
import { register as registerSync } from './commands/sync.js';
import { register as registerRun } from './commands/run.js';
import { register as registerStatus } from './commands/status.js';
import { register as registerReport } from './commands/report.js';
import { register as registerList } from './commands/list.js';
import { register as registerResume } from './commands/resume.js';
import { registerCancel, registerPause, registerUnpause } from './commands/sweep-control.js';
import { register as registerUi } from './commands/ui.js';
import { register as registerWorker } from './commands/worker.js';
import { register as registerPlan } from './commands/plan.js';
import { register as registerTrain } from './commands/train.js';
import { register as registerModels } from './commands/models.js';
import { register as registerEda } from './commands/eda.js';
import { register as registerExport } from './commands/export.js';
import { register as registerCompare } from './commands/compare.js';
import { register as registerServices } from './commands/services.js';
import { register as registerSetup } from './commands/setup.js';
import { register as registerDoctor } from './commands/doctor.js';

// Where tests and older callers import them from.
export { clipLines, MAX_ERROR_LINE } from './output.js';

/** Builds the parser without running it (tests call this). */
export function buildProgram(): Command {
  const program = new Command('seedsweep')
    .description(
      'Multi-seed experiment sweeps: Temporal fan-out, TF.js training, MLflow tracking, paired statistics.',
    )
    .version(readPackageVersion())
    .option(
      '--verbose',
      'also show Temporal SDK logs on stderr (same as SEEDSWEEP_VERBOSE=1); they always go to <state>/logs/sdk.log',
    )
    .showHelpAfterError('(run with --help for usage)')
    // commander echoes what it refuses: a 100,000-character argument stays one readable line.
    .configureOutput({ outputError: (text, write) => write(clipLines(text)) })
    .exitOverride();
  // Set in the environment so that the SDK runtime (installed later) and worker processes see it.
  program.hook('preAction', () => {
    if (program.opts<{ verbose?: boolean }>().verbose) process.env['SEEDSWEEP_VERBOSE'] = '1';
  });
  for (const register of COMMANDS) register(program);
  return program;
}

type Register = (program: Command) => void;
// One line per command module; keep the list in the order `--help` should show them.
const COMMANDS: Register[] = [
  registerRun,
  registerStatus,
  registerReport,
  registerExport,
  registerCompare,
  registerList,
  registerUi,
  registerCancel,
  registerPause,
  registerUnpause,
  registerResume,
  registerWorker,
  registerEda,
  registerTrain,
  registerModels,
  registerPlan,
  registerSync,
  registerServe,
  registerPackage,
  registerServices,
  registerSetup,
  registerDoctor,
];

/** Runs the CLI: known errors print one line and exit 2, unexpected ones print the stack and exit 1. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed help/version or the parse error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CommandVerdict) return error.exitCode; // the answer is printed already
    const { text, exitCode } = formatCliError(error);
    process.stderr.write(text);
    return exitCode;
  }
}

// Run when this file is the entry (`tsx src/interfaces/cli/main.ts …`); bin/seedsweep.js imports it and calls main() itself.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const code = await main();
  // As bin/seedsweep.js: after an error nothing may keep the process alive.
  if (code !== 0) process.exit(code);
}
