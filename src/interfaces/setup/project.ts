/**
 * The user's project, when seedsweep is installed as its dependency. @tensorflow/tfjs-node's own
 * install script downloads a prebuilt TensorFlow from Google's storage: where that is not reachable it
 * fails and npm drops the (optional) package, and where it is, it brings a TensorFlow other than the
 * one seedsweep's graph addon links. So the project's package.json denies those scripts
 * (`allowScripts`, npm's per-project policy; the repository's own package.json does the same), and
 * npm installs the packages as plain files; seedsweep puts its cached binding into them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGE_ROOT, projectRoot } from '../../core/common/paths.js';
import { NATIVE_PACKAGES } from '../../training/backends/native-probe.js';
import { runLogged, StepFailure, type StepLog } from './steps.js';

/** Packages whose install scripts a project using seedsweep denies. */
export const DENIED_INSTALL_SCRIPTS = Object.values(NATIVE_PACKAGES);

/** npm itself: the one that runs us under `npx` (`npm_execpath`), else `npm` on PATH. */
function npm(): { command: string; prefix: string[] } {
  const execPath = process.env['npm_execpath'];
  return execPath && /npm-cli\.js$/.test(execPath)
    ? { command: process.execPath, prefix: [execPath] }
    : { command: 'npm', prefix: [] };
}

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(path.join(PACKAGE_ROOT, 'package.json')).resolve(
      `${NATIVE_PACKAGES.tensorflow}/package.json`,
    );
    return true;
  } catch {
    return false;
  }
}

/** Adds the `allowScripts` denials the project lacks, and installs tfjs-node when npm dropped it. */
export async function prepareProject(log: StepLog): Promise<string | { skipped: string }> {
  const root = projectRoot();
  const manifest = path.join(root, 'package.json');
  let allowScripts: Record<string, unknown>;
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { allowScripts?: Record<string, unknown> };
    allowScripts = parsed.allowScripts ?? {};
  } catch (error) {
    throw new StepFailure(`cannot read ${manifest}: ${(error as Error).message}`);
  }
  const { command, prefix } = npm();
  const missing = DENIED_INSTALL_SCRIPTS.filter((name) => !(name in allowScripts));
  const done: string[] = [];
  if (missing.length > 0) {
    await runLogged(
      log,
      command,
      [...prefix, 'pkg', 'set', ...missing.map((name) => `allowScripts.${name}=false`), '--json'],
      {
        cwd: root,
      },
    );
    done.push(`package.json: allowScripts ${missing.map((name) => `"${name}": false`).join(', ')}`);
  }
  if (!tfjsNodeInstalled()) {
    await runLogged(log, command, [...prefix, 'install', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: root,
    });
    if (!tfjsNodeInstalled())
      throw new StepFailure(
        `${NATIVE_PACKAGES.tensorflow} is still not installed after npm install in ${root}`,
        log.file,
      );
    done.push(`installed ${NATIVE_PACKAGES.tensorflow} without its download script`);
  }
  if (done.length === 0) return { skipped: `${manifest} denies tfjs-node's download scripts` };
  return done.join('; ');
}
