/**
 * `defineModelTrainable`: a trainable made from a TF.js layers model and data, the way Keras' `fit`
 * takes them. The user says how to build and compile the model and where its data is; seedsweep owns
 * the loop (src/training/fit/fit-loop.ts): seeded initialisers and data order, batching, per-epoch
 * evaluation and metrics, bit-identical checkpoints and resume, stopping, saving, model stats.
 * This module loads no TF.js: the loop is imported when a trial runs, so a module that declares a
 * trainable stays cheap to import.
 */
import { PLUGIN_NAME_PATTERN } from '../../core/domain/plugin-name.js';
import { defineTrainable, type Trainable } from '../../core/domain/trainable.js';
import type { ModelTrainableDefinition } from './definition.js';

/**
 * A trainable that trains the model `build` makes on the data `data` gives, Keras-`fit` style. Every
 * epoch it reports `trainLoss` and the train metrics (averaged over the epoch's steps, weighted by
 * batch size), the same for each of `validation` and `test`, `epochSeconds`, `examplesPerSecond` and,
 * for image inputs (H×W×C), `imagesPerSecond`.
 * @throws TypeError when the definition lacks a name, `build`, `compile`, `data` or `batchSize`.
 */
export function defineModelTrainable<P, D = unknown>(
  definition: ModelTrainableDefinition<P, D>,
): ModelTrainable<P, D> {
  const where = `defineModelTrainable(${JSON.stringify(definition?.name)})`;
  if (typeof definition?.name !== 'string' || !PLUGIN_NAME_PATTERN.test(definition.name))
    throw new TypeError(`${where}: name must be letters, digits, '.', '_' or '-'.`);
  for (const field of ['build', 'data'] as const) {
    if (typeof definition[field] !== 'function')
      throw new TypeError(`${where}: ${field} must be a function.`);
  }
  if (
    typeof definition.compile !== 'function' &&
    (typeof definition.compile !== 'object' || !definition.compile)
  )
    throw new TypeError(
      `${where}: compile must be a function (params) => ({ optimizer, loss, metrics }) or that object.`,
    );
  const batchSize = definition.batchSize;
  if (typeof batchSize !== 'function' && !(Number.isInteger(batchSize) && batchSize >= 1))
    throw new TypeError(`${where}: batchSize must be an integer ≥ 1 or a function (params) => number.`);
  const trainable = defineTrainable<P, D>({
    name: definition.name,
    ...(definition.version !== undefined ? { version: definition.version } : {}),
    params: definition.params,
    ...(definition.metrics ? { metrics: definition.metrics } : {}),
    ...(definition.trainDefaults ? { trainDefaults: definition.trainDefaults } : {}),
    async run(params, ctx) {
      const { runFit } = await import('./fit-loop.js');
      return runFit(definition, params, ctx);
    },
  });
  return Object.freeze({ ...trainable, definition });
}

/** What {@link defineModelTrainable} returns: a trainable that also shows its definition (`seedsweep models` builds from it). */
export interface ModelTrainable<P, D = unknown> extends Trainable<P, D> {
  readonly definition: ModelTrainableDefinition<P, D>;
}

/** True for a trainable made by {@link defineModelTrainable}. */
export function isModelTrainable(
  value: Trainable<unknown, unknown>,
): value is ModelTrainable<unknown, unknown> {
  const definition = (value as Partial<ModelTrainable<unknown, unknown>>).definition;
  return typeof definition === 'object' && definition !== null && typeof definition.build === 'function';
}
