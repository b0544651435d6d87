/**
 * Compute backends a trial can train on, and how a trial's backend enters its key. Results of
 * different backends differ in the last bits (or more), so a sweep never mixes them silently: the
 * backend is part of the trial config, hence of the key. `wasm`, the backend of every sweep before
 * the native one existed, is left out of configs so those keys stay as they were.
 */
import type { TrialConfig } from './trial.js';

export const BackendName = {
  tensorflowGpu: 'tensorflow-gpu',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
} as const;
export type BackendName = (typeof BackendName)[keyof typeof BackendName];

/** Preference order of automatic selection. */
export const BACKEND_PREFERENCE: readonly BackendName[] = [
  BackendName.tensorflowGpu,
  BackendName.tensorflow,
  BackendName.wasm,
  BackendName.cpu,
];

/** The backend a config left without one means. */
export const DEFAULT_CONFIG_BACKEND: BackendName = BackendName.wasm;

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_PREFERENCE as readonly string[]).includes(value);
}

/** The backend a trial config trains on. */
export function backendOfConfig(config: Pick<TrialConfig, 'backend'>): BackendName {
  return isBackendName(config.backend) ? config.backend : DEFAULT_CONFIG_BACKEND;
}

/** `config` with `backend` set the keyed way (absent for the default). */
export function withBackend<T extends TrialConfig>(config: T, backend: BackendName): T {
  const { backend: _old, ...rest } = config;
  return (backend === DEFAULT_CONFIG_BACKEND ? rest : { ...rest, backend }) as T;
}
