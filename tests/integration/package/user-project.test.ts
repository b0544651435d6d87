/**
 * seedsweep as a user gets it: `npm pack`, a fresh project that installs the tarball and zod, `npx
 * seedsweep setup` and `doctor`, then a sweep of a trainable written in that project, and `runTrial`
 * in a plain script with no server at all. The sweep uses the Temporal and MLflow servers of the
 * integration setup (as the other suites do, so the file stays short); the embedded servers' own
 * lookup is what `doctor` checks: it runs `temporal --version` and `mlflow --version` from the
 * per-user cache's venv, where the project's copy of seedsweep must find them (the project has no
 * .venv). The cache is the one `bash scripts/setup.sh` populated, so setup only checks it.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nativeBuildStatus } from '../../../src/training/backends/native-probe.js';
import { builtDistIsCurrent } from '../../cli-entry.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
/** The repository's setup put the cached binding into its own tfjs-node: the project's can get it too. */
const NATIVE = nativeBuildStatus('tensorflow').built;

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command to its end (or kills it after `timeoutMs`, which then shows as its signal). */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, seconds: (performance.now() - start) / 1000 });
    });
  });
}

/**
 * The environment of a user's shell: this process's, less what `npm test` and the suite add (npm_*
 * variables would point npm at the repository; the suite's server addresses are added where wanted).
 */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD') continue;
    if (
      [
        'TEMPORAL_ADDRESS',
        'MLFLOW_TRACKING_URI',
        'TEMPORAL_CLI_PATH',
        'MLFLOW_CLI_PATH',
        'SEEDSWEEP_BACKEND',
      ].includes(key)
    )
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

const timings: Record<string, number> = {};
function expectOk(name: string, ran: Ran): void {
  timings[name] = ran.seconds;
  expect({ status: ran.status, signal: ran.signal }, `${name} failed:\n${ran.stdout}\n${ran.stderr}`).toEqual(
    { status: 0, signal: null },
  );
}

describe('seedsweep installed into a fresh project', () => {
  let work: string;
  let project: string;
  const npx = (args: string[], env?: NodeJS.ProcessEnv, timeoutMs?: number) =>
    run('npx', ['--no', 'seedsweep', ...args], {
      cwd: project,
      ...(env ? { env } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
    });

  beforeAll(async () => {
    work = mkdtempSync(path.join(inject('integrationDir'), 'package-'));
    // Packed from a copy of the tree: `npm pack` rebuilds dist/ (prepack), and other test files running
    // at the same time start the CLI from the repository's dist/.
    const source = path.join(work, 'source');
    const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO })
      .toString()
      .split('\0')
      .filter((f) => f && !f.startsWith('dist/') && existsSync(path.join(REPO, f)));
    for (const file of tracked) cpSync(path.join(REPO, file), path.join(source, file));
    symlinkSync(path.join(REPO, 'node_modules'), path.join(source, 'node_modules'));
    // The build `bash scripts/setup.sh` made is packed as it is when no input of it changed since (the
    // prepack build of the same sources would write the same files, for ~1 min of CPU); else prepack
    // builds it again.
    const built = builtDistIsCurrent();
    if (built) cpSync(path.join(REPO, 'dist'), path.join(source, 'dist'), { recursive: true });
    const packed = await run(
      'npm',
      ['pack', '--json', '--pack-destination', work, ...(built ? ['--ignore-scripts'] : [])],
      { cwd: source },
    );
    expectOk(built ? 'npm pack (dist as built)' : 'npm pack (with its build)', packed);
    const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [
      { filename: string },
    ];
    project = path.join(work, 'my-project');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'my-project', version: '1.0.0', private: true, type: 'module' }, null, 2),
    );
    const installed = await run(
      'npm',
      ['install', path.join(work, filename), 'zod', '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: project },
    );
    expectOk('npm install <tarball> zod', installed);
  }, 600_000);

  afterAll(() => {
    console.log(
      `user-project timings (s): ${Object.entries(timings)
        .map(([name, s]) => `${name} ${s.toFixed(1)}`)
        .join(', ')}`,
    );
    if (!process.env['SEEDSWEEP_KEEP_TEST_DIR']) rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled API and CLI, not the tests', () => {
    const pkg = path.join(project, 'node_modules', 'seedsweep');
    expect(existsSync(path.join(pkg, 'dist', 'interfaces', 'api', 'index.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist', 'interfaces', 'api', 'index.d.ts'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist', 'models', 'image-classifier', 'trainable.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'native', 'seedsweep_tf.cc'))).toBe(true);
    // The workflows prebundled by the build, stamped with the SDK version inside (workflow-bundle.ts).
    expect(existsSync(path.join(pkg, 'dist', 'temporal', 'workflows', 'bundle.js'))).toBe(true);
    const stamp = JSON.parse(
      readFileSync(path.join(pkg, 'dist', 'temporal', 'workflows', 'bundle.json'), 'utf8'),
    ) as { workflowSdk: string };
    const installedSdk = JSON.parse(
      readFileSync(path.join(project, 'node_modules', '@temporalio', 'workflow', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(stamp.workflowSdk).toBe(installedSdk.version);
    expect(existsSync(path.join(pkg, 'scripts', 'requirements.txt'))).toBe(true);
    for (const absent of ['tests', 'bench', 'src', 'sweeps/tests', '.venv'])
      expect(existsSync(path.join(pkg, absent)), absent).toBe(false);
  });

  it('setup finds the cache populated, and doctor finds the servers there', async () => {
    const setup = await npx(['setup']);
    expectOk('npx seedsweep setup', setup);
    expect(setup.stderr).toMatch(/temporal and mlflow +already/);
    expect(setup.stderr).toContain('seedsweep is ready');

    const doctor = await npx(['doctor', '--json']);
    expectOk('npx seedsweep doctor', doctor);
    const report = JSON.parse(doctor.stdout) as {
      ok: boolean;
      seedsweep: { installedIn: string };
      checks: { name: string; ok: boolean; detail: string }[];
    };
    expect(report.ok).toBe(true);
    expect(report.seedsweep.installedIn).toBe(project);
    const check = (name: string) => report.checks.find((c) => c.name === name);
    expect(check('temporal')).toMatchObject({
      ok: true,
      detail: expect.stringContaining('from the seedsweep cache'),
    });
    expect(check('mlflow')).toMatchObject({
      ok: true,
      detail: expect.stringContaining('from the seedsweep cache'),
    });
  });

  it('sweeps a trainable written in the project, to the end and its report', async () => {
    const dir = path.join(project, 'my-sweep');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'quadratic.ts'),
      `import { z } from 'zod';
import { defineTrainable } from 'seedsweep';

export const quadratic = defineTrainable({
  name: 'quadratic',
  params: z.object({ lr: z.number().positive().max(1) }),
  async run({ lr }, ctx) {
    let x = ctx.restore<number>() ?? 0;
    while (ctx.epoch < ctx.epochs) {
      x -= lr * (2 * (x - 3) + Math.sin(ctx.seed * 977 + ctx.epoch * 13) * 0.5);
      ctx.checkpoint(x);
      await ctx.report({ loss: (x - 3) ** 2 });
    }
  },
});
`,
    );
    writeFileSync(
      path.join(dir, 'sweep.yaml'),
      `name: quadratic-${Date.now()}
trainable: ./quadratic.ts#quadratic
train: { epochs: 3 }
variants:
  grid:
    lr: [0.1, 0.5]
seeds: { count: 2 }
objective: { metric: loss, mode: min }
`,
    );
    const ran = await npx(
      ['run', 'my-sweep/sweep.yaml', '--threads', '1'],
      userEnv({
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        MLFLOW_TRACKING_URI: inject('mlflowUri'),
        SEEDSWEEP_STATE_DIR: path.join(work, 'state'),
        SEEDSWEEP_BACKEND: 'wasm',
      }),
    );
    expectOk('npx seedsweep run', ran);
    const output = ran.stdout + ran.stderr;
    expect(output).toMatch(/sweep \S+ completed: 4 trained, 0 already done, 0 failed/);
    const reportDir = /^report: (.+)$/m.exec(output)?.[1];
    expect(reportDir, output).toBeDefined();
    expect(readdirSync(path.resolve(project, reportDir!)).length).toBeGreaterThan(0);
  });

  it(`runs one trial with runTrial and no server at all, on ${NATIVE ? 'the binding installed from the cache' : 'wasm (no native build here)'}`, async () => {
    // What a later `npm ci` leaves: tfjs-node without its addon. Backend selection puts the cached one back.
    const tfjsNode = path.join(project, 'node_modules', '@tensorflow', 'tfjs-node');
    rmSync(path.join(tfjsNode, 'lib'), { recursive: true, force: true });
    rmSync(path.join(tfjsNode, 'deps'), { recursive: true, force: true });
    writeFileSync(
      path.join(project, 'one-trial.mjs'),
      `import { runTrial } from 'seedsweep';
const result = await runTrial({ trainable: './my-sweep/quadratic.ts#quadratic', params: { lr: 0.5 }, seed: 1, train: { epochs: 2 } });
console.log(JSON.stringify({ backend: result.backend.name }));
`,
    );
    const state = path.join(work, 'state-no-servers');
    const ran = await run('node', ['one-trial.mjs'], {
      cwd: project,
      env: userEnv({ SEEDSWEEP_STATE_DIR: state }), // automatic backend selection
    });
    expectOk('node one-trial.mjs (runTrial)', ran);
    const line = JSON.parse(ran.stdout.trim().split('\n').pop()!) as { backend: string };
    expect(line.backend).toBe(NATIVE ? 'tensorflow' : 'wasm');
    expect(existsSync(path.join(tfjsNode, 'lib', 'napi-v8', 'tfjs_binding.node'))).toBe(NATIVE);
    // No embedded server was started for it.
    expect(existsSync(path.join(state, 'temporal.json'))).toBe(false);
    expect(existsSync(path.join(state, 'mlflow.json'))).toBe(false);
  });

  it('says what to run and exits when the servers are not installed, instead of hanging', async () => {
    const ran = await npx(
      ['run', 'my-sweep/sweep.yaml'],
      userEnv({
        SEEDSWEEP_CACHE_DIR: path.join(work, 'empty-cache'),
        SEEDSWEEP_STATE_DIR: path.join(work, 'state-missing'),
        PATH: path.dirname(process.execPath) + path.delimiter + '/usr/bin:/bin',
      }),
      60_000,
    );
    timings['run without servers'] = ran.seconds;
    expect({ status: ran.status, signal: ran.signal }, ran.stdout + ran.stderr).toEqual({
      status: 2,
      signal: null,
    });
    expect(ran.stderr).toMatch(
      /^error\[E_EXECUTABLE_MISSING\]: 'temporal' was not found .*Run `npx seedsweep setup`/m,
    );
  });
});
