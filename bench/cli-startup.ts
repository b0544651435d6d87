/**
 * CLI start-up cost (`npx tsx bench/cli-startup.ts`): CPU seconds (user + system, from /usr/bin/time)
 * and wall seconds of commands that only parse and print or fail on a flag, so that the time is what
 * loading the CLI costs. Launchers: the compiled CLI (`node bin/seedsweep.js`, needs `npm run build`),
 * and the sources through tsx as `npx tsx` and as the tests start it (`node --import tsx`).
 * Median of --runs (default 3) per cell; no servers are started.
 * Options: --runs N, --launchers compiled,npx-tsx,node-tsx.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/core/common/paths.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    launchers: { type: 'string', default: 'compiled,npx-tsx,node-tsx' },
  },
});
const RUNS = Number(args.runs);
const MAIN_TS = path.join('src', 'interfaces', 'cli', 'main.ts');

const LAUNCHERS: Record<string, string[]> = {
  compiled: ['node', 'bin/seedsweep.js'],
  'npx-tsx': ['npx', 'tsx', MAIN_TS],
  'node-tsx': ['node', '--import', 'tsx', MAIN_TS],
};

/** Commands and the exit code each must end with (the last fails on its flag before any server is asked). */
const COMMANDS: { args: string[]; exit: number }[] = [
  { args: ['--version'], exit: 0 },
  { args: ['--help'], exit: 0 },
  { args: ['status', '--help'], exit: 0 },
  { args: ['report', 'some-sweep', '--format', 'nope'], exit: 2 },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One run: CPU and wall seconds as /usr/bin/time measures them (children included). */
function measure(command: string[], expectedExit: number, env: NodeJS.ProcessEnv) {
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %e', ...command], {
    cwd: PACKAGE_ROOT,
    env,
    encoding: 'utf8',
  });
  if (result.status !== expectedExit)
    throw new Error(
      `${command.join(' ')} exited ${result.status}, expected ${expectedExit}:\n${result.stderr}`,
    );
  const last = result.stderr.trim().split('\n').at(-1) ?? '';
  const [user, system, wall] = last.split(' ').map(Number);
  if (![user, system, wall].every((x) => Number.isFinite(x))) throw new Error(`no timing in: ${last}`);
  return { cpu: user! + system!, wall: wall! };
}

const state = mkdtempSync(path.join(os.tmpdir(), 'seedsweep-cli-startup-'));
const env = { ...process.env, SEEDSWEEP_STATE_DIR: state };
try {
  const rows: string[][] = [['launcher', 'command', 'cpu s', 'wall s']];
  for (const name of args.launchers.split(',')) {
    const launcher = LAUNCHERS[name];
    if (!launcher) throw new Error(`unknown launcher '${name}'; use ${Object.keys(LAUNCHERS).join(', ')}`);
    if (name === 'compiled' && !existsSync(path.join(PACKAGE_ROOT, 'dist', 'interfaces', 'cli', 'main.js')))
      throw new Error('no dist/: run `npm run build` first (bin/seedsweep.js would fall back to tsx)');
    for (const command of COMMANDS) {
      measure([...launcher, ...command.args], command.exit, env); // warm the file cache and tsx's cache
      const runs = Array.from({ length: RUNS }, () =>
        measure([...launcher, ...command.args], command.exit, env),
      );
      rows.push([
        name,
        command.args.join(' '),
        median(runs.map((r) => r.cpu)).toFixed(2),
        median(runs.map((r) => r.wall)).toFixed(2),
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
} finally {
  rmSync(state, { recursive: true, force: true });
}
