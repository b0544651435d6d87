// Part of `npm run build`: writes the sweep workflows' Temporal bundle beside the compiled workflows
// (dist/temporal/workflows/bundle.js), so that `seedsweep run` and worker starts need not bundle them
// again (3-5 s of CPU each). See src/temporal/workers/workflow-bundle.ts.
import process from 'node:process';
import { writePrebuiltBundle } from '../dist/temporal/workers/workflow-bundle.js';

const started = Date.now();
const { path, bytes } = await writePrebuiltBundle();
process.stdout.write(
  `workflow bundle: ${path} (${(bytes / 1e6).toFixed(1)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
);
