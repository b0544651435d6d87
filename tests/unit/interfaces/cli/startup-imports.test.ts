/**
 * `seedsweep --version`, `--help` and `<command> --help` load commander and the command definitions
 * only: the packages an action needs (TF.js, the Temporal worker and client, fastify, vega, …) are
 * imported when that action runs. Each case runs the CLI in its own process with a module hook that
 * records every package the process resolves (ESM imports and CommonJS requires).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../../src/core/common/paths.js';

const execFileAsync = promisify(execFile);
const CLI = path.join(PACKAGE_ROOT, 'src', 'interfaces', 'cli', 'main.ts');

/** Packages no command definition needs; each costs from 0.1 s (yaml) to 2.7 s (the worker) of CPU. */
const HEAVY = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-node',
  '@temporalio/worker',
  '@temporalio/client',
  'fastify',
  'vega',
  'vega-lite',
  'hyparquet',
  'hyparquet-writer',
  'piscina',
  'axios',
  'protobufjs',
  'esbuild',
  'cli-progress',
  'tar',
  'zod',
  'yaml',
];

/** Records resolved files: ESM through a resolve hook (its own thread), CommonJS by wrapping the resolver. */
const RECORDER = `
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
const file = process.env.SEEDSWEEP_IMPORT_LOG;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const resolved = resolveFilename.apply(this, args);
  appendFileSync(file, resolved + '\\n');
  return resolved;
};
register('data:text/javascript,' + encodeURIComponent(\`
  import { appendFileSync } from 'node:fs';
  export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    appendFileSync(\${JSON.stringify(file)}, result.url + '\\\\n');
    return result;
  }\`));
`;

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedsweep-startup-'));
  await writeFile(path.join(work, 'recorder.mjs'), RECORDER);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The packages (by name) the CLI process loaded for `args`, and what it printed. */
async function packagesLoaded(args: string[]): Promise<{ packages: Set<string>; stdout: string }> {
  const log = path.join(work, `${args.join('_').replace(/[^\w]+/g, '-')}.log`);
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', '--import', path.join(work, 'recorder.mjs'), CLI, ...args],
    {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, SEEDSWEEP_IMPORT_LOG: log, SEEDSWEEP_STATE_DIR: path.join(work, 'state') },
    },
  );
  const packages = new Set<string>();
  for (const line of (await readFile(log, 'utf8')).split('\n')) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (match) packages.add(match[1]!);
  }
  return { packages, stdout };
}

describe('CLI start-up loads only what the command runs', () => {
  it.each([[['--version']], [['--help']], [['status', '--help']], [['worker', '--help']]])(
    '%j loads commander but none of the heavy packages',
    async (args) => {
      const { packages, stdout } = await packagesLoaded(args);
      expect(stdout.length).toBeGreaterThan(0);
      expect(packages).toContain('commander'); // the hook saw the imports
      if (args[0] === 'worker') expect(stdout).toContain('--queue-prefix');
      expect(HEAVY.filter((name) => packages.has(name))).toEqual([]);
    },
  );
});
