/**
 * Finds the trainable a trial runs: the module and export in its config (a `defineTrainable` result or a
 * plain training function, see `trainableOf`), or the built-in image classifier when it names none.
 * Loaded once per thread and location.
 */
import { UserError } from '../core/common/errors.js';
import { importExport } from '../core/common/user-module.js';
import { TRAINABLE_EXPORT_HINT, trainableOf, type Trainable } from '../core/domain/trainable.js';
import type { TrainableLocation } from '../core/domain/trial.js';
import { imageClassifier } from '../models/image-classifier/trainable.js';

const loaded = new Map<string, Promise<Trainable<unknown, unknown>>>();

/** The built-in trainable, used when a config names no trainable. */
export const BUILTIN_TRAINABLE = imageClassifier as unknown as Trainable<unknown, unknown>;

/** Loads the trainable at `location` (cached), or the built-in one when `location` is undefined. */
export function resolveTrainable(
  location: TrainableLocation | undefined,
): Promise<Trainable<unknown, unknown>> {
  if (!location) return Promise.resolve(BUILTIN_TRAINABLE);
  const key = `${location.module}#${location.export}`;
  let pending = loaded.get(key);
  if (!pending) {
    pending = (async () => {
      const trainable = trainableOf(await importExport(location, 'trainable'), location.export);
      if (!trainable) {
        throw new UserError('E_NOT_A_TRAINABLE', `${key} is not a trainable; ${TRAINABLE_EXPORT_HINT}.`);
      }
      return trainable;
    })();
    loaded.set(key, pending);
    pending.catch(() => loaded.delete(key));
  }
  return pending;
}
