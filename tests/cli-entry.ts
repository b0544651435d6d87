/**
 * How tests start the `seedsweep` CLI as a process: from the compiled dist/ (through bin/seedsweep.js,
 * as users run it) when dist/ was built after the last change to any build input, else from the
 * TypeScript sources through tsx. On a fresh clone set-up builds dist/, so CI runs the compiled CLI:
 * a command then costs ~1 s less CPU, and so does each training thread it starts (no TypeScript to
 * load); while src/ is being edited the tests still run the code as it is now.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..');

/** Files of the repository that `npm run build` reads. */
function buildInputs(): string[] {
  const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  }).split('\0');
  return tracked.filter(
    (f) =>
      f.startsWith('src/') ||
      /^tsconfig.*\.json$/.test(f) ||
      f === 'package.json' ||
      f === 'package-lock.json' ||
      f === 'scripts/bundle-workflows.mjs',
  );
}

let current: boolean | undefined;

/**
 * True when dist/ was built after the last change to any input of `npm run build` (src/, the
 * tsconfigs, package.json and its lock, the workflow-bundle script): building again would write the same files.
 */
export function builtDistIsCurrent(): boolean {
  if (current !== undefined) return current;
  // The build's last step writes the workflow bundle's stamp.
  const stamp = path.join(REPO, 'dist', 'temporal', 'workflows', 'bundle.json');
  if (!existsSync(stamp)) return (current = false);
  const builtAt = statSync(stamp).mtimeMs;
  current = buildInputs().every(
    (f) => !existsSync(path.join(REPO, f)) || statSync(path.join(REPO, f)).mtimeMs <= builtAt,
  );
  return current;
}

/** Node arguments that run the CLI, to be followed by the command's own: `spawn(process.execPath, [...cliArgs(), 'run', spec])`. */
export function cliArgs(): string[] {
  return builtDistIsCurrent()
    ? [path.join(REPO, 'bin', 'seedsweep.js')]
    : ['--import', 'tsx', path.join(REPO, 'src', 'interfaces', 'cli', 'main.ts')];
}

/** Node arguments that run a worker process (src/temporal/workers/main.ts), to be followed by its flags. */
export function workerArgs(): string[] {
  return builtDistIsCurrent()
    ? [path.join(REPO, 'dist', 'temporal', 'workers', 'main.js')]
    : ['--import', 'tsx', path.join(REPO, 'src', 'temporal', 'workers', 'main.ts')];
}
