/**
 * Every README.md shell block, run as users run it (the harness and its rules: ./readme-runs.ts); the
 * examples' commands run beside it in ./examples-commands.test.ts.
 */
import { describeRuns } from './readme-runs.js';

describeRuns('readme');
