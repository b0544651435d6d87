/** `seedsweep doctor`: what is installed and where, and what is missing with the command that fixes it. */
import type { Command } from 'commander';
import { CommandVerdict, printJson } from '../output.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'Show what is installed (node, temporal, mlflow, the native TensorFlow backend), where, and what is missing; exit 1 when the embedded default cannot run.',
    )
    .option('--json', 'print one JSON document')
    .action(async (flags: { json?: boolean }) => {
      const { formatDoctor, runDoctor } = await import('../../setup/doctor.js');
      const report = await runDoctor();
      if (flags.json) printJson(report);
      else process.stdout.write(`${formatDoctor(report).join('\n')}\n`);
      if (!report.ok) throw new CommandVerdict(1, 'not ready');
    });
}
