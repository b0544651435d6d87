/**
 * Where a compiled training graph runs: the device every node asks for and the session's options.
 * On `gpu`, each node the compiler writes names `/device:GPU:0`, and soft placement lets TensorFlow
 * put the few ops without a GPU kernel (and the gradient ops TF_AddGradients adds, which name no
 * device) where they can run; memory grows as needed instead of being taken whole at start.
 *
 * Checking placement on a GPU host: run one trial with `SEEDSWEEP_TF_LOG_PLACEMENT=1` (sets
 * ConfigProto.log_device_placement); at its first step TensorFlow prints one line per node to stdout,
 * `<node>: (<op>): /job:localhost/replica:0/task:0/device:GPU:0`. Conv2D, MatMul, FusedBatchNormV3,
 * their gradients and every ResourceApply* should say GPU:0; int32 shape arithmetic may say CPU:0,
 * and anything else on CPU:0 has no GPU kernel (soft placement moved it there).
 */
import os from 'node:os';
import type { SessionThreads } from '../training-path.js';
import { encodeConfig } from './proto.js';

/**
 * Threads of each trial's session: `SEEDSWEEP_TF_THREADS` (set by the worker pool from the number of
 * trials it runs at once), else every core. Inter-op threads follow intra-op: the gradient of a
 * layer's weights and of its input can then run side by side.
 */
export const TF_THREADS_ENV = 'SEEDSWEEP_TF_THREADS';

export function sessionThreads(env: NodeJS.ProcessEnv = process.env): SessionThreads {
  const raw = env[TF_THREADS_ENV];
  const parsed = raw === undefined ? NaN : Number(raw);
  const threads = Number.isInteger(parsed) && parsed >= 1 ? parsed : os.availableParallelism();
  return { intraOpThreads: threads, interOpThreads: threads };
}

/** Set to `1` to log each node's device when a compiled graph's session starts. */
export const LOG_PLACEMENT_ENV = 'SEEDSWEEP_TF_LOG_PLACEMENT';

/** The device name nodes carry for `device`, or undefined (TensorFlow's placer chooses: CPU here). */
export function graphDevice(device: 'cpu' | 'gpu'): string | undefined {
  return device === 'gpu' ? '/device:GPU:0' : undefined;
}

/** The serialised ConfigProto of a compiled graph's session. */
export function sessionConfig(
  threads: SessionThreads,
  device: 'cpu' | 'gpu',
  env: NodeJS.ProcessEnv = process.env,
): Uint8Array {
  return encodeConfig({
    intraOpThreads: threads.intraOpThreads,
    interOpThreads: threads.interOpThreads,
    gpu: device === 'gpu',
    logDevicePlacement: env[LOG_PLACEMENT_ENV] === '1',
  });
}
