/** Runs the study through the public API and prints its report. Usage: npx tsx examples/cifar10-study/run.ts [cifar-10 archive] */
import { getReport, runSweep } from 'seedsweep';
import { cifar10Study } from './experiment.js';

const { sweepId, summary } = await runSweep(cifar10Study({ dataPath: process.argv[2] }));
process.stdout.write(`sweep ${sweepId}: ${summary?.status}\n`);
process.stdout.write(`${await getReport(sweepId, { format: 'table' })}\n`);
