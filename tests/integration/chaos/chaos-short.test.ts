/**
 * The chaos suite's shortened form (bench/chaos.ts; `npm run chaos` runs the whole one): a real
 * namespace cluster (scripts/cluster.sh, needs root) with two worker hosts, the sweep run once
 * undisturbed and then under worker kills (two at exact fault points, one at a random instant), a
 * Temporal restart, a worker host cut from the network and MLflow answering 500s and 429s. Every case
 * must end identical to the undisturbed run with no metric point lost or duplicated. Skipped, with
 * the script's one line, where network namespaces cannot be made.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function runChaos(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'bench', 'chaos.ts'), ...args],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('shortened chaos suite: every case identical to the undisturbed run, 0 lost, 0 duplicated', async (ctx) => {
  const { code, out } = await runChaos([
    '--cases',
    'worker,temporal,network,mlflow-errors',
    '--kills',
    '3',
    '--point-kills',
    'checkpoint-rename,log-batch',
    '--epochs',
    '3',
    '--train-size',
    '1000',
    '--cut',
    '20',
    '--faults',
    '8',
    '--timeout',
    '400',
  ]);
  const skipped = /^(?:cluster|chaos): skipped: .*$/m.exec(out);
  if (skipped && code === 0) {
    ctx.skip(skipped[0]);
    return;
  }
  expect(code, out).toBe(0);
  const names = ['undisturbed', 'worker', 'temporal', 'network', 'mlflow-errors'];
  const rows = out
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter(
      (cells) => cells.length === 6 && names.includes((cells[0] ?? '').replace(/ \(\d+ sweeps\)$/, '')),
    );
  expect(
    rows.map((r) => (r[0] ?? '').replace(/ \(\d+ sweeps\)$/, '')),
    out,
  ).toEqual(names);
  for (const [name, runs, completed, identical, lost, duplicates] of rows) {
    // n sweeps of 6 trials: one MLflow run per trial, every trial completed, all as undisturbed.
    const planned = Number(/\/(\d+)$/.exec(completed ?? '')?.[1]);
    expect(planned % 6, `${name}\n${out}`).toBe(0);
    expect({ name, runs, completed, lost, duplicates }, out).toEqual({
      name,
      runs: String(planned),
      completed: `${planned}/${planned}`,
      lost: '0',
      duplicates: '0',
    });
    if (name !== 'undisturbed') expect(identical, `${name}\n${out}`).toBe(`${planned}/${planned}`);
  }
  // The worker case made its kills, the point kills among them.
  const kills = /in all: 3 of 3 kills made: (.*)$/m.exec(out)?.[1] ?? '';
  expect(kills, out).toMatch(/at checkpoint-rename@\d/);
  expect(kills, out).toMatch(/at log-batch@\d/);
});
