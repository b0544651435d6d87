/**
 * The GPU supervisor (`seedsweep worker --queue gpu --gpus 0,1`) without a GPU: its children are a
 * stand-in script that records its arguments and exits as told. The supervisor must fail when any
 * child fails, name the GPU, and still accept children ended by the signal it forwarded.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GpuWorkerFailedError,
  superviseGpuWorkers,
  type GpuSupervisorOptions,
} from '../../../../src/temporal/workers/gpu-supervisor.js';

/** A child that writes `<dir>/gpu-<n>.json` (its args and CUDA_VISIBLE_DEVICES), then behaves per `FAKE_GPU_<n>`. */
const CHILD = `
import { writeFileSync } from 'node:fs';
import path from 'node:path';
const gpu = process.env.CUDA_VISIBLE_DEVICES;
writeFileSync(path.join(process.env.FAKE_DIR, 'gpu-' + gpu + '.json'), JSON.stringify({ args: process.argv.slice(2), gpu }));
const how = process.env['FAKE_GPU_' + gpu] ?? 'exit:0';
const [kind, value] = how.split(':');
if (kind === 'exit') process.exit(Number(value));
if (kind === 'kill') process.kill(process.pid, value);
if (kind === 'wait') setInterval(() => {}, 1000);
`;

function setup(behaviour: Record<string, string>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpu-supervisor-'));
  const filename = path.join(dir, 'child.mjs');
  writeFileSync(filename, CHILD);
  const lines: string[] = [];
  const options: GpuSupervisorOptions = {
    gpus: Object.keys(behaviour),
    childArgs: ['--queue', 'gpu', '--threads', '1'],
    entry: { filename, execArgv: [] },
    env: {
      ...process.env,
      FAKE_DIR: dir,
      ...Object.fromEntries(Object.entries(behaviour).map(([gpu, how]) => [`FAKE_GPU_${gpu}`, how])),
    },
    log: (line) => lines.push(line),
  };
  const started = (gpu: string) => existsSync(path.join(dir, `gpu-${gpu}.json`));
  const seen = (gpu: string) =>
    JSON.parse(readFileSync(path.join(dir, `gpu-${gpu}.json`), 'utf8')) as { args: string[]; gpu: string };
  return { options, lines, started, seen };
}

async function failureOf(promise: Promise<unknown>): Promise<GpuWorkerFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GpuWorkerFailedError);
  return error as GpuWorkerFailedError;
}

describe('GPU worker supervisor', () => {
  it('fails when every GPU worker fails, naming each GPU and its exit code', async () => {
    const { options, lines } = setup({ '0': 'exit:3', '1': 'exit:3' });
    const error = await failureOf(superviseGpuWorkers(options));
    expect(error.code).toBe('E_GPU_WORKER_FAILED');
    expect(error.failures.map((f) => [f.gpu, f.code])).toEqual([
      ['0', 3],
      ['1', 3],
    ]);
    expect(error.message).toMatch(
      /GPU 0 worker \(pid \d+\) exited with code 3; GPU 1 worker \(pid \d+\) exited with code 3/,
    );
    expect(lines.filter((l) => /GPU \d worker \(pid \d+\) exited with code 3/.test(l))).toHaveLength(2);
  });

  it('fails when any one GPU worker fails, and names only that one', async () => {
    const { options, lines } = setup({ '0': 'exit:0', '1': 'exit:3' });
    const error = await failureOf(superviseGpuWorkers(options));
    expect(error.failures).toEqual([expect.objectContaining({ gpu: '1', code: 3, signal: null })]);
    expect(lines.join('\n')).not.toMatch(/GPU 0 worker/);
  });

  it('fails when a GPU worker is killed by a signal the supervisor did not send', async () => {
    const { options } = setup({ '0': 'exit:0', '1': 'kill:SIGKILL' });
    const error = await failureOf(superviseGpuWorkers(options));
    expect(error.failures).toEqual([expect.objectContaining({ gpu: '1', code: null, signal: 'SIGKILL' })]);
    expect(error.message).toMatch(/GPU 1 worker \(pid \d+\) was killed by SIGKILL/);
  });

  it('succeeds when all exit 0; each child gets its GPU, and only the first serves the control queue', async () => {
    const { options, seen } = setup({ '0': 'exit:0', '1': 'exit:0' });
    await expect(superviseGpuWorkers(options)).resolves.toBeUndefined();
    expect(seen('0')).toEqual({ gpu: '0', args: ['--queue', 'gpu', '--threads', '1'] });
    expect(seen('1')).toEqual({ gpu: '1', args: ['--queue', 'gpu', '--threads', '1', '--no-control'] });
  });

  it('treats children ended by the forwarded shutdown signal as stopped, not failed', async () => {
    const { options, started } = setup({ '0': 'wait', '1': 'wait' });
    const before = new Set(process.listeners('SIGTERM'));
    const supervising = superviseGpuWorkers(options);
    // The supervisor's own SIGTERM handler (calling it stands in for the signal: no real signal reaches the test runner).
    const forward = process.listeners('SIGTERM').find((l) => !before.has(l));
    expect(forward).toBeDefined();
    while (!started('0') || !started('1')) await new Promise((r) => setTimeout(r, 50));
    (forward as (signal: NodeJS.Signals) => void)('SIGTERM');
    await expect(supervising).resolves.toBeUndefined();
    expect(process.listeners('SIGTERM').filter((l) => !before.has(l))).toEqual([]);
  });
});
