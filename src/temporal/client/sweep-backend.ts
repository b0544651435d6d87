/**
 * The backend a sweep trains on, fixed when it is submitted (trial keys include it, and the workflow
 * expands keys deterministically): the spec's `backend`, else `SEEDSWEEP_BACKEND`, else what this
 * host has: the GPU build for a `gpu`-queue sweep, the native TensorFlow build when setup made it,
 * else wasm. Workers then train every trial on exactly that backend or fail it saying so.
 */
import { BackendName, isBackendName } from '../../core/domain/backends.js';
import {
  backendFromEnv,
  NATIVE_SETUP_COMMAND,
  nativeBuildStatus,
} from '../../training/backends/native-probe.js';
import type { SweepSpec } from '../../sweep-spec/schema.js';

/** The backend `auto` means on this host for a sweep on `queue`, and why. */
export function autoBackend(queue: SweepSpec['queue']): { backend: BackendName; why: string } {
  const fromEnv = backendFromEnv();
  if (fromEnv !== undefined) return { backend: fromEnv, why: 'SEEDSWEEP_BACKEND' };
  if (queue === 'gpu') return { backend: BackendName.tensorflowGpu, why: 'the sweep runs on the gpu queue' };
  const status = nativeBuildStatus(BackendName.tensorflow);
  if (status.built)
    return { backend: BackendName.tensorflow, why: 'the native TensorFlow build is installed' };
  return { backend: BackendName.wasm, why: `${status.reason}; ${NATIVE_SETUP_COMMAND} builds it` };
}

/** `spec` with its backend resolved (unchanged when the spec names one). */
export function withResolvedBackend(spec: SweepSpec): SweepSpec {
  if (isBackendName(spec.backend)) return spec;
  return { ...spec, backend: autoBackend(spec.queue).backend };
}
