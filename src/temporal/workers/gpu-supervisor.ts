/**
 * `seedsweep worker --queue gpu --gpus 0,1`: one child worker process per GPU, each with its own
 * `CUDA_VISIBLE_DEVICES`. SIGINT/SIGTERM are forwarded to the children. The supervisor fails when any
 * child fails: a non-zero exit code, or death by a signal other than one it forwarded for shutdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { UserError } from '../../core/common/errors.js';
import { resolveWorkerScript, type WorkerScript } from '../../core/common/worker-script.js';

/** How one GPU's child worker ended. */
export interface GpuWorkerExit {
  /** The GPU index the child had in `CUDA_VISIBLE_DEVICES`. */
  gpu: string;
  /** Undefined when the child could not be started. */
  pid: number | undefined;
  /** Exit code; null when a signal ended the child or it never started. */
  code: number | null;
  /** The signal that ended the child, if one did. */
  signal: NodeJS.Signals | null;
  /** Why the child could not be started (spawn error), if it could not. */
  startError?: string;
}

/** One line about an ended child, e.g. `GPU 1 worker (pid 4242) exited with code 2`. */
export function describeGpuWorkerExit(exit: GpuWorkerExit): string {
  const who = `GPU ${exit.gpu} worker${exit.pid !== undefined ? ` (pid ${exit.pid})` : ''}`;
  if (exit.startError !== undefined) return `${who} could not start: ${exit.startError}`;
  if (exit.signal) return `${who} was killed by ${exit.signal}`;
  return `${who} exited with code ${exit.code}`;
}

/** Thrown by {@link superviseGpuWorkers} once every child has exited, when at least one of them failed. */
export class GpuWorkerFailedError extends UserError {
  constructor(
    /** The failed children, in GPU order. */
    readonly failures: readonly GpuWorkerExit[],
  ) {
    super(
      'E_GPU_WORKER_FAILED',
      `${failures.map(describeGpuWorkerExit).join('; ')}. The workers' own errors are printed above.`,
    );
  }
}

export interface GpuSupervisorOptions {
  /** GPU indices, e.g. `['0', '1']`: one child each, with `CUDA_VISIBLE_DEVICES` set to the index. */
  gpus: readonly string[];
  /** Worker flags every child gets, e.g. `['--queue', 'gpu', '--threads', '1']`. */
  childArgs: readonly string[];
  /** Let the first child serve the control queue (the others always get `--no-control`). @default true */
  control?: boolean;
  /** Entry script of a child. @default workers/main (the worker process entry); tests pass a stand-in */
  entry?: WorkerScript;
  /** Environment of the children; each also gets its `CUDA_VISIBLE_DEVICES`. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Log lines go here. @default stderr */
  log?: (line: string) => void;
}

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Starts one child worker per GPU and waits for all of them to exit. Resolves when every child
 * stopped cleanly (exit code 0, or ended by a signal this supervisor forwarded); otherwise rejects
 * with a {@link GpuWorkerFailedError} naming each failed GPU, after logging each failure as it happens.
 */
export async function superviseGpuWorkers(options: GpuSupervisorOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const entry = options.entry ?? resolveWorkerScript(import.meta.url, './main');
  const forwarded = new Set<NodeJS.Signals>();
  const children: ChildProcess[] = [];
  const forward = (signal: NodeJS.Signals) => {
    forwarded.add(signal);
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    const exits = options.gpus.map((gpu, index) => {
      const args = [...entry.execArgv, entry.filename, ...options.childArgs];
      // One process serves the control queue; the others only train.
      if (index > 0 || options.control === false) args.push('--no-control');
      const child = spawn(process.execPath, args, {
        stdio: 'inherit',
        env: { ...(options.env ?? process.env), CUDA_VISIBLE_DEVICES: gpu },
      });
      children.push(child);
      return new Promise<GpuWorkerExit>((resolve) => {
        child.once('error', (error) =>
          resolve({ gpu, pid: child.pid, code: null, signal: null, startError: error.message }),
        );
        child.once('exit', (code, signal) => resolve({ gpu, pid: child.pid, code, signal }));
      }).then((exit) => {
        if (failed(exit, forwarded)) log(`worker supervisor ${process.pid}: ${describeGpuWorkerExit(exit)}`);
        return exit;
      });
    });
    log(
      `worker supervisor ${process.pid}: ${children.length} GPU worker(s) for GPUs ${options.gpus.join(', ')}`,
    );
    const failures = (await Promise.all(exits)).filter((exit) => failed(exit, forwarded));
    if (failures.length > 0) throw new GpuWorkerFailedError(failures);
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.removeListener(signal, forward);
  }
}

/** A child failed unless it exited 0 or was ended by a signal the supervisor forwarded. */
function failed(exit: GpuWorkerExit, forwarded: ReadonlySet<NodeJS.Signals>): boolean {
  if (exit.startError !== undefined) return true;
  if (exit.signal) return !forwarded.has(exit.signal);
  return exit.code !== 0;
}
