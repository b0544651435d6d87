/** Runs the Branin search through the public API and prints the best point. Usage: npx tsx examples/branin/run.ts */
import { getReport, runSweep } from 'seedsweep';
import { braninSearch } from './experiment.js';

const { sweepId } = await runSweep(braninSearch());
process.stdout.write(`${await getReport(sweepId, { format: 'table' })}\n`);
