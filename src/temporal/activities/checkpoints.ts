/**
 * Where trial checkpoints and saved models live. A retried trial resumes from the checkpoint folder
 * of its trial key, so on several hosts this root must be a shared filesystem (NFS, EFS, …); on a
 * host that cannot see the folder the trial simply restarts from epoch 1 (same final result, more time).
 */
import path from 'node:path';
import { stateDir } from '../../core/common/paths.js';

/** `SEEDSWEEP_CHECKPOINT_DIR`, else `<stateDir>/checkpoints`. */
export function checkpointRoot(): string {
  const explicit = process.env['SEEDSWEEP_CHECKPOINT_DIR'];
  return explicit ? path.resolve(explicit) : path.join(stateDir(), 'checkpoints');
}

/** `SEEDSWEEP_MODEL_DIR`, else `<stateDir>/models`: trained models, one folder per trial key. */
export function modelRoot(): string {
  const explicit = process.env['SEEDSWEEP_MODEL_DIR'];
  return explicit ? path.resolve(explicit) : path.join(stateDir(), 'models');
}

/** `<stateDir>/reports`: one folder of report files per sweep id. */
export function reportRoot(): string {
  return path.join(stateDir(), 'reports');
}
