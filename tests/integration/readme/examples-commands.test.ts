/**
 * Every command examples/README.md tells users to run, run as they run it (the harness and its rules:
 * ./readme-runs.ts); README.md's blocks run beside it in ./readme-blocks.test.ts.
 */
import { describeRuns } from './readme-runs.js';

describeRuns('examples');
