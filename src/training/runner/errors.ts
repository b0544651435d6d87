/**
 * Errors of the training engine. They cross thread boundaries (piscina) by name: see
 * `serializeError`/`deserializeError`, which keep class, message and context fields.
 */
import { UserError } from '../../core/common/errors.js';

/** Thrown by `trainTrial` after the checkpoint of the epoch at which `shouldStop()` asked to stop. */
export class TrialStoppedError extends Error {
  override readonly name = 'TrialStoppedError';
  /** @param epoch The last finished (and checkpointed) epoch, 1-based; 0 when stopped before the first. */
  constructor(readonly epoch: number) {
    super(`trial stopped on request after epoch ${epoch} (checkpoint written; resume to continue)`);
  }
}

/**
 * Test fault injection: thrown by `trainTrial({ failAtEpoch: k })` right after the checkpoint of epoch k
 * is written, to simulate a crash that resuming must recover from.
 */
export class InjectedFaultError extends Error {
  override readonly name = 'InjectedFaultError';
  /** @param epoch The epoch after whose checkpoint the fault was raised, 1-based. */
  constructor(readonly epoch: number) {
    super(`injected fault after epoch ${epoch} (failAtEpoch test option)`);
  }
}

/** An error as plain data, for postMessage / structured clone (which drops custom classes and fields). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  epoch?: number;
}

/** Turns any thrown value into {@link SerializedError}. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const out: SerializedError = { name: error.name, message: error.message };
  if (error.stack !== undefined) out.stack = error.stack;
  const fields = error as { code?: unknown; epoch?: unknown };
  if (typeof fields.code === 'string') out.code = fields.code;
  if (typeof fields.epoch === 'number') out.epoch = fields.epoch;
  return out;
}

/** Rebuilds the engine's error classes (and `UserError`) from {@link SerializedError}; others become `Error` with the same name. */
export function deserializeError(data: SerializedError): Error {
  let error: Error;
  if (data.name === 'TrialStoppedError') error = new TrialStoppedError(data.epoch ?? 0);
  else if (data.name === 'InjectedFaultError') error = new InjectedFaultError(data.epoch ?? 0);
  else if (data.name === 'UserError') error = new UserError(data.code ?? 'E_UNKNOWN', data.message);
  else {
    error = new Error(data.message);
    error.name = data.name;
    if (data.code !== undefined) Object.assign(error, { code: data.code });
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
