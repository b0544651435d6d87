/**
 * No seedsweep command prints TF.js's "looks like you are running TensorFlow.js in Node.js … install our
 * node backend" banner: TF.js is in production mode from its first import (src/training/backends/tfjs.ts), before any
 * backend exists. Each command runs as a user runs it, in its own process, and its whole output is read.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';
import { cliArgs } from '../../../cli-entry.js';

const execFileAsync = promisify(execFile);
/** What the banner says (TF.js's cpu backend prints it on its first tensor unless PROD is set). */
const BANNER =
  /looks like you are running TensorFlow\.js|install our node backend|tfjs-node for more details/;

let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-banner-'));
  // No servers are needed: none of these commands talks to Temporal or MLflow.
  env = { ...process.env, SEEDSWEEP_STATE_DIR: path.join(work, 'state'), CI: '1' };
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function seedsweep(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [...cliArgs(), ...args], {
      cwd: PACKAGE_ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

/** Starts `seedsweep serve`, waits until it listens, answers /ping, stops it with SIGINT; all it printed. */
async function serveOutput(modelDir: string): Promise<string> {
  const child = spawn(process.execPath, [...cliArgs(), 'serve', '--model-dir', modelDir, '--port', '0'], {
    cwd: PACKAGE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 90_000;
    let url: string | undefined;
    while (url === undefined) {
      url = /listening on (http:\/\/\S+):/.exec(output)?.[1];
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`seedsweep serve did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    return output;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('no TF.js install banner', () => {
  it('train, serve and package print none', async () => {
    const modelDir = path.join(work, 'model');
    const train = await seedsweep([
      'train',
      '--model',
      'fc',
      '--dataset',
      'synthetic',
      '--train-size',
      '40',
      '--test-size',
      '20',
      '--epochs',
      '1',
      '--batch-size',
      '20',
      '--model-dir',
      modelDir,
    ]);
    expect(train.code, train.output).toBe(0);
    expect(train.output).not.toMatch(BANNER);

    const served = await serveOutput(modelDir);
    expect(served).toContain('serving folder');
    expect(served).not.toMatch(BANNER);

    const bundle = await seedsweep(['package', '--model-dir', modelDir, '--out', path.join(work, 'bundle')]);
    expect(bundle.code, bundle.output).toBe(0);
    expect(bundle.output).toContain('wrote');
    expect(bundle.output).not.toMatch(BANNER);
  });

  it('plan and runTrial of user code that makes tensors in the main thread print none', async () => {
    const dir = await mkdtemp(path.join(work, 'api-'));
    // The user's project: it resolves @tensorflow/tfjs and zod to seedsweep's copies.
    await symlink(path.join(PACKAGE_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    await writeFile(
      path.join(dir, 'model.ts'),
      `import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { defineDataset, defineTrainable } from ${JSON.stringify(path.join(PACKAGE_ROOT, 'src', 'interfaces', 'api', 'index.ts'))};
export const ones = defineDataset({
  name: 'ones',
  options: z.object({}),
  // Fingerprints are computed in the submitting process (plan, run), before any backend is chosen.
  fingerprint: () => \`ones-\${tf.ones([4]).sum().arraySync() as number}\`,
  load: () => tf.ones([4]).arraySync() as number[],
});
export const sum = defineTrainable({
  name: 'sum',
  params: z.object({}),
  async run(_params, ctx) {
    const data = ctx.dataset as number[];
    while (ctx.epoch < ctx.epochs) await ctx.report({ total: tf.tensor1d(data).sum().arraySync() as number });
  },
});
`,
    );
    await writeFile(
      path.join(dir, 'sweep.yaml'),
      'name: ones\ntrainable: ./model.ts#sum\ndataset: { module: ./model.ts#ones }\ntrain: { epochs: 1 }\n' +
        'variants: { grid: { unused: [1] } }\nseeds: [0]\nobjective: { metric: total, mode: max }\n',
    );
    const plan = await seedsweep(['plan', path.join(dir, 'sweep.yaml')]);
    expect(plan.code, plan.output).toBe(0);
    expect(plan.output).toContain('1 trial(s)');
    expect(plan.output).not.toMatch(BANNER);

    const script = path.join(dir, 'run.ts');
    await writeFile(
      script,
      `import { runTrial } from ${JSON.stringify(path.join(PACKAGE_ROOT, 'src', 'interfaces', 'api', 'index.ts'))};
const result = await runTrial({
  trainable: './model.ts#sum',
  params: {},
  train: { epochs: 1 },
  dataset: { name: 'ones', module: ${JSON.stringify(path.join(dir, 'model.ts'))}, export: 'ones' },
});
console.log('total', result.final['total']);
`,
    );
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', script], {
      cwd: dir,
      env,
    });
    expect(stdout).toContain('total 4');
    expect(stdout + stderr).not.toMatch(BANNER);
  });
});
