/** Workflows a seedsweep worker registers (the worker bundles this file). */
export { sweepWorkflow } from './sweep.js';
