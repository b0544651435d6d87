/**
 * A model that is not the study's image classifier, served end to end: a tiny `defineModelTrainable`
 * sweep (an MLP on 4 features, fit-trainable.ts) runs through real Temporal and MLflow servers as a
 * user runs it, then `seedsweep serve --best <sweep>` serves its best trial's model by its own input
 * signature: JSON instances of 4 raw features get the model's own class probabilities (after the
 * recorded 1/4 scaling), a request of the wrong shape a 400 naming it, and the server keeps serving;
 * `seedsweep package --best <sweep name>` bundles the same model.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, inject, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/common/paths.js';
import { loadSavedModel } from '../../../src/training/model-io.js';
import { useServingBackend } from '../../unit/serving/fixtures.js';
import { cliArgs } from '../../cli-entry.js';

const execFileAsync = promisify(execFile);
const TRAINABLE = path.join(PACKAGE_ROOT, 'tests', 'integration', 'serving', 'fit-trainable.ts');
const work = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-serve-fit-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  MLFLOW_TRACKING_URI: inject('mlflowUri'),
  SEEDSWEEP_STATE_DIR: path.join(work, 'state'),
  SEEDSWEEP_CACHE_DIR: path.join(work, 'cache'),
  CI: '1',
};

async function seedsweep(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [...cliArgs(), ...args], {
      cwd: PACKAGE_ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('serve --best of a defineModelTrainable sweep', () => {
  it('serves the best trial by its signature: JSON features in, class probabilities out', async () => {
    const name = `serve-fit-${Date.now().toString(36)}`;
    const seed = 200_000 + (Date.now() % 100_000); // a seed no other suite uses: the trials train here
    const spec = path.join(work, 'sweep.yaml');
    writeFileSync(
      spec,
      `name: ${name}
trainable: ${TRAINABLE}#features
train: { epochs: 3 }
variants:
  grid:
    lr: [0.003, 0.03]
seeds: [${seed}]
concurrency: 2
objective: { metric: testAccuracy, mode: max }
`,
    );
    const ran = await seedsweep(['run', spec, '--threads', '2']);
    expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(0);
    expect(ran.stdout).toMatch(/completed: 2 trained, 0 already done, 0 failed \(of 2\)/);
    const sweepId = new RegExp(`^sweep (${name}-\\S+) completed:`, 'm').exec(ran.stdout)?.[1];
    expect(sweepId, ran.stdout).toBeDefined();

    const server = spawn(process.execPath, [...cliArgs(), 'serve', '--best', sweepId!, '--port', '0'], {
      cwd: PACKAGE_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout.on('data', (d: Buffer) => (output += d.toString()));
    server.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    try {
      let url: string | undefined;
      const deadline = Date.now() + 120_000;
      while (url === undefined) {
        url = /listening on (http:\/\/\S+):/.exec(output)?.[1];
        if (server.exitCode !== null || Date.now() > deadline)
          throw new Error(`seedsweep serve --best did not come up:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(output).toMatch(/model serving-features-mlp/);
      expect(output).toMatch(
        /inputs "[^"]+" \[4\] float32; accepts application\/json; at most 4096 examples/,
      );
      expect((await fetch(`${url}/ping`)).status).toBe(200);

      const raw = [
        [4, 0.5, 1, 2],
        [0, 3.5, 0.25, 1],
        [1, 1, 4, 0],
      ];
      const answer = await fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: raw }),
      });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as {
        predictions: { label: string; class_index: number; probabilities: Record<string, number> }[];
      };

      // The served model is the best trial's, downloaded into the cache: its own answers, on x/4.
      const runId = /serving run (\S+?),/.exec(output)?.[1];
      expect(runId, output).toBeDefined();
      await useServingBackend();
      const { model, manifest } = await loadSavedModel(path.join(work, 'cache', 'models', runId!, 'model'));
      expect(manifest).toMatchObject({
        format: 'seedsweep-model/2',
        classNames: ['red', 'green', 'blue'],
        preprocessing: { kind: 'scale', scale: 0.25 },
      });
      const expected = tf.tidy(
        () => (model.predict(tf.tensor2d(raw).mul(0.25)) as tf.Tensor).arraySync() as number[][],
      );
      model.dispose();
      expect(body.predictions).toHaveLength(3);
      body.predictions.forEach((prediction, i) => {
        const row = expected[i]!;
        const best = row.indexOf(Math.max(...row));
        expect(prediction.class_index).toBe(best);
        expect(prediction.label).toBe(['red', 'green', 'blue'][best]);
        expect(prediction.probabilities['red']).toBeCloseTo(row[0]!, 5);
        expect(prediction.probabilities['green']).toBeCloseTo(row[1]!, 5);
        expect(prediction.probabilities['blue']).toBeCloseTo(row[2]!, 5);
      });

      const wrong = await fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [[1, 2, 3]] }),
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({
        error: { code: 'E_BAD_SHAPE', field: 'instances[0]', expected: 'an array of length 4' },
      });
      expect((await fetch(`${url}/ping`)).status).toBe(200);
      server.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
    }

    // `package --best` finds the sweep as `serve --best` does, by its name too, and bundles the model.
    const out = path.join(work, 'bundle');
    const packaged = await seedsweep(['package', '--best', name, '--out', out]);
    expect(packaged.code, `${packaged.stdout}\n${packaged.stderr}`).toBe(0);
    const readme = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/Classes: red, green, blue/);
    expect(readme).toMatch(/- `[^`]+`: \[4\] float32 per example/);
    expect(readme).toContain(`-d '{"instances": [[0, 0, 0, 0]]}'`);
    expect(JSON.parse(readFileSync(path.join(out, 'model', 'manifest.json'), 'utf8'))).toMatchObject({
      format: 'seedsweep-model/2',
      trainable: 'serving-features-mlp@1',
    });
  });
});
