/**
 * Starts a real Temporal dev server and a real MLflow server on free loopback ports for the
 * integration suites, and stops them afterwards. Suites read the endpoints with `inject()`. It also
 * bundles the sweep workflows once for every file (3.5 s of CPU each time; a dozen files used to
 * bundle them for themselves): tests/integration/temporal/harness.ts `suiteWorkflowBundle()`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startMlflowServer } from '../../src/services/mlflow-server.js';
import { findFreePort } from '../../src/services/local-server.js';
import { startTemporalDevServer } from '../../src/services/temporal-dev-server.js';
import { bundleSweepWorkflows } from '../../src/temporal/workers/workflow-bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    mlflowUri: string;
    mlflowPort: number;
    mlflowDataDir: string;
    integrationDir: string;
    /** The sweep workflows bundled from the sources, for workers in-process and in child processes. */
    workflowBundleFile: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-it-'));
  const temporalPort = await findFreePort();
  const mlflowPort = await findFreePort();
  const workflowBundleFile = path.join(dir, 'workflow-bundle.js');
  const [temporal, mlflow] = await Promise.all([
    startTemporalDevServer({
      port: temporalPort,
      dbFile: path.join(dir, 'temporal.sqlite'),
      logFile: path.join(dir, 'temporal.log'),
      detached: false,
    }),
    startMlflowServer({
      port: mlflowPort,
      dataDir: path.join(dir, 'mlflow'),
      logFile: path.join(dir, 'mlflow.log'),
      detached: false,
    }),
    bundleSweepWorkflows().then(({ code }) => writeFileSync(workflowBundleFile, code)),
  ]);
  project.provide('temporalAddress', `127.0.0.1:${temporalPort}`);
  project.provide('mlflowUri', `http://127.0.0.1:${mlflowPort}`);
  project.provide('mlflowPort', mlflowPort);
  project.provide('mlflowDataDir', path.join(dir, 'mlflow'));
  project.provide('integrationDir', dir);
  project.provide('workflowBundleFile', workflowBundleFile);
  return async () => {
    await Promise.all([temporal.stop(), mlflow.stop()]);
    if (!process.env['SEEDSWEEP_KEEP_TEST_DIR']) rmSync(dir, { recursive: true, force: true });
  };
}
