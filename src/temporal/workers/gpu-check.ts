/**
 * Fail-fast checks of a GPU worker (`seedsweep worker --queue gpu [--gpus 0,1]`): before a supervisor
 * spawns a child per GPU, and before a worker connects to anything, the host must have an NVIDIA GPU
 * (what `nvidia-smi -L` lists: cheap, and it loads no CUDA context) and the native GPU backend must be
 * built. Once it loads, TensorFlow itself must see a GPU. Each failure is one `UserError` line naming
 * what is missing and the command that fixes it.
 */
import { spawnSync } from 'node:child_process';
import { UserError } from '../../core/common/errors.js';
import { GPU_SETUP_COMMAND, nativeBuildStatus } from '../../training/backends/backend.js';
import type { BackendInfo } from '../../training/runner/types.js';

/** What the checks ask the host; tests pass stand-ins. */
export interface GpuHostProbe {
  /** The indices of the GPUs the NVIDIA driver lists, or why none could be listed. */
  listGpus(): { ok: true; indices: string[] } | { ok: false; reason: string };
  /** Why the native GPU backend (@tensorflow/tfjs-node-gpu's addon) is not built; undefined when it is. */
  gpuBackendMissing(): string | undefined;
}

/** GPU indices from `nvidia-smi -L` lines such as `GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-…)`. */
export function parseNvidiaSmiList(output: string): string[] {
  return [...output.matchAll(/^GPU (\d+):/gm)].map((match) => match[1] as string);
}

/** The real host: `nvidia-smi -L` (10 s at most) and the addon's file. */
export const systemGpuProbe: GpuHostProbe = {
  listGpus() {
    const result = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000 });
    if (result.error) {
      const code = (result.error as NodeJS.ErrnoException).code;
      return {
        ok: false,
        reason:
          code === 'ENOENT'
            ? 'no NVIDIA driver (nvidia-smi not found)'
            : `nvidia-smi -L failed: ${result.error.message}`,
      };
    }
    if (result.status !== 0) {
      const why = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n')[0] ?? '';
      return {
        ok: false,
        reason: `nvidia-smi -L failed${why ? `: ${why}` : ` (exit code ${result.status})`}`,
      };
    }
    const indices = parseNvidiaSmiList(result.stdout);
    return indices.length > 0 ? { ok: true, indices } : { ok: false, reason: 'nvidia-smi lists no GPU' };
  },
  gpuBackendMissing() {
    const status = nativeBuildStatus('tensorflow-gpu');
    if (status.built) return undefined;
    return status.detail ? `${status.reason} (${status.detail})` : status.reason;
  },
};

const FIX = `on a host with NVIDIA drivers run \`${GPU_SETUP_COMMAND}\`, or serve the CPU queue: \`seedsweep worker --queue cpu\``;

/**
 * Throws a one-line `UserError` (`E_GPU_BACKEND`) unless the host lists a GPU (each of `gpus`, when
 * given) and the native GPU backend is built. Does not load TensorFlow.
 */
export function checkGpuHost(
  gpus: readonly string[] | undefined,
  probe: GpuHostProbe = systemGpuProbe,
): void {
  const missing: string[] = [];
  const listed = probe.listGpus();
  if (!listed.ok) missing.push(listed.reason);
  else {
    const absent = (gpus ?? []).filter((gpu) => !listed.indices.includes(gpu));
    if (absent.length > 0)
      missing.push(
        `${absent.length === 1 ? 'GPU' : 'GPUs'} ${absent.join(', ')} not found (nvidia-smi lists ${listed.indices.join(', ')})`,
      );
  }
  const backend = probe.gpuBackendMissing();
  if (backend !== undefined) missing.push(backend);
  if (missing.length > 0) {
    throw new UserError('E_GPU_BACKEND', `GPU worker cannot start: ${missing.join('; ')}. Fix: ${FIX}.`);
  }
}

/** Throws a one-line `UserError` unless the loaded backend computes on a GPU (TensorFlow reported one). */
export function requireGpuDevice(info: BackendInfo): void {
  if (info.device === 'gpu') return;
  throw new UserError(
    'E_GPU_BACKEND',
    `GPU worker cannot start: the ${info.name} backend loaded (TensorFlow ${info.tfVersion ?? 'unknown'}) but ` +
      `TensorFlow sees no GPU (CUDA libraries or driver not usable${
        process.env['CUDA_VISIBLE_DEVICES'] !== undefined
          ? `; CUDA_VISIBLE_DEVICES=${process.env['CUDA_VISIBLE_DEVICES']}`
          : ''
      }). Fix: ${FIX}.`,
  );
}
