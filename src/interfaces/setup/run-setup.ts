/**
 * `seedsweep setup`: installs what the embedded default needs into the per-user cache shared by every
 * project (`SEEDSWEEP_CACHE_DIR`, default ~/.cache/seedsweep): the servers' Python venv, then the
 * native TensorFlow backend. Each step prints one line; a second run finds everything in place and
 * takes a second or two. Only the servers are required: without the native pieces training uses wasm.
 */
import { execFileSync } from 'node:child_process';
import { cacheDir, installedAsDependency, setupCommand, setupLogDir } from '../../core/common/paths.js';
import {
  buildTools,
  compileGraphAddon,
  compileTfjsBinding,
  installLibtensorflow,
  installTfjsBinding,
  requestedFlavour,
} from './native.js';
import { prepareProject } from './project.js';
import { installServers } from './servers.js';
import { formatOutcome, openStepLog, runStep, type StepOutcome } from './steps.js';

export interface SetupOptions {
  /** Skip the native TensorFlow backend (also `SEEDSWEEP_NATIVE_TF=0`). @default false */
  skipNative?: boolean;
  /** Where step lines go. @default stderr */
  print?: (line: string) => void;
}

export interface SetupResult {
  /** True when `temporal` and `mlflow` are installed: the embedded default can run. */
  serversReady: boolean;
  /** True when the native backend is ready; false means training uses wasm. */
  nativeReady: boolean;
  steps: StepOutcome[];
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function hasNvidiaGpu(): boolean {
  try {
    return /^GPU /m.test(
      execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
  } catch {
    return false;
  }
}

export async function runSetup(options: SetupOptions = {}): Promise<SetupResult> {
  const print = options.print ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const logs = setupLogDir();
  const steps: StepOutcome[] = [];
  const step = async (
    name: string,
    fix: string | undefined,
    action: (log: ReturnType<typeof openStepLog>) => Promise<string | { skipped: string }>,
  ) => {
    const outcome = await runStep(name, () =>
      action(openStepLog(logs, name.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, ''))),
    );
    steps.push(outcome);
    print(formatOutcome(outcome, outcome.status === 'failed' ? fix : undefined));
    return outcome.status !== 'failed';
  };

  print(`seedsweep setup: into ${cacheDir()} (SEEDSWEEP_CACHE_DIR), shared by every project`);
  const serversReady = await step(
    'temporal and mlflow',
    `install Python >= 3.10 with venv and pip, check that PyPI is reachable, then run \`${setupCommand()}\` again`,
    installServers,
  );

  let nativeReady = false;
  const skipNative = options.skipNative || process.env['SEEDSWEEP_NATIVE_TF'] === '0';
  if (skipNative) {
    print('  native TensorFlow backend skipped (--no-native or SEEDSWEEP_NATIVE_TF=0): training uses wasm');
  } else {
    const flavour = requestedFlavour(process.env, hasNvidiaGpu);
    const fix = `training uses wasm; fix the cause and run \`${setupCommand()}\` again`;
    let tools: ReturnType<typeof buildTools> | undefined;
    const ok = await step('build tools', fix, async () => {
      tools = buildTools(onPath);
      return `node-gyp, Node headers in ${tools.nodeDir}`;
    });
    const project = !installedAsDependency() || (await step('project', fix, prepareProject));
    nativeReady =
      ok &&
      project &&
      tools !== undefined &&
      (await step(`libtensorflow (${flavour})`, fix, (log) => installLibtensorflow(log, flavour))) &&
      (await step('tfjs-node addon', fix, (log) => compileTfjsBinding(log, tools!))) &&
      (await step('tfjs-node install', fix, (log) => installTfjsBinding(log, flavour)));
    // The graph addon is a speed-up on top of tfjs-node: its failure leaves the backend native.
    if (nativeReady)
      await step('graph addon', 'training stays native, one TF.js op at a time', (log) =>
        compileGraphAddon(log, tools!),
      );
  }
  const failed = steps.filter((s) => s.status === 'failed').length;
  print(
    serversReady
      ? `seedsweep is ready${nativeReady ? ' (native TensorFlow backend)' : skipNative ? '' : ' (training uses wasm: see the failed step above)'}${failed > 0 && nativeReady ? `; ${failed} step(s) failed` : ''}: npx seedsweep doctor shows what is installed`
      : 'seedsweep is not ready: the embedded servers could not be installed (see above)',
  );
  return { serversReady, nativeReady, steps };
}
