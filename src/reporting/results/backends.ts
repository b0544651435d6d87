/**
 * Which compute backends a sweep's results came from. Every finished trial records the backend it
 * trained on (name, versions, device); a summary says it in one line, so that a reader knows whether
 * the numbers are native TensorFlow's or wasm's without opening MLflow.
 */
import type { BackendInfo, TrialRecord } from '../../core/domain/trial.js';

/** One backend and how many of the trials trained on it. */
export interface BackendUsage {
  /** e.g. `tensorflow 2.21.0 (cpu)`, `wasm 4.22.0 (cpu)`: see {@link backendLabel}. */
  backend: string;
  trials: number;
}

/**
 * A backend as people name it: its name, TensorFlow's version for the native backends (the TF.js
 * package version otherwise), and the device it computed on.
 */
export function backendLabel(info: BackendInfo): string {
  const version = info.tfVersion ?? info.version;
  return [info.name, version, info.device ? `(${info.device})` : undefined].filter(Boolean).join(' ');
}

/** Trials per backend, the most used first (ties by label), each trial key counted once. */
export function backendUsage(records: readonly TrialRecord[]): BackendUsage[] {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.trialKey)) continue;
    seen.add(record.trialKey);
    const label = backendLabel(record.result.backend);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts]
    .map(([backend, trials]) => ({ backend, trials }))
    .sort((a, b) => b.trials - a.trials || a.backend.localeCompare(b.backend));
}

const trialsText = (n: number): string => `${n} ${n === 1 ? 'trial' : 'trials'}`;

/**
 * One line for a summary: `backend: tensorflow 2.21.0 (cpu), all 4 trials`, or with mixed backends
 * `backends: tensorflow 2.21.0 (cpu) 3 trials, wasm 4.22.0 (cpu) 1 trial`; undefined without trials.
 */
export function backendLine(usage: readonly BackendUsage[]): string | undefined {
  const [only, ...others] = usage;
  if (only === undefined) return undefined;
  if (others.length === 0)
    return `backend: ${only.backend}, ${only.trials === 1 ? 'the only trial' : `all ${only.trials} trials`}`;
  return `backends: ${usage.map((u) => `${u.backend} ${trialsText(u.trials)}`).join(', ')}`;
}
