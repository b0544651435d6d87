/**
 * A model trainable's model, built under the trial seed: `build` runs with `Math.random` seeded (so
 * whatever it draws unseeded repeats), then every initialiser left without a seed is re-seeded
 * (src/training/fit/initializers.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/common/errors.js';
import { deriveSeed } from '../runner/seeding.js';
import type { FitInfo, ModelTrainableDefinition } from './definition.js';
import { reseedInitializers } from './initializers.js';
import { withSeededMathRandom } from './randomness.js';

function isLayersModel(value: unknown): value is tf.LayersModel {
  const m = value as Partial<tf.LayersModel> | null;
  return typeof m === 'object' && m !== null && typeof m.apply === 'function' && Array.isArray(m.weights);
}

/** The model of `definition.build`, every initialiser seeded from the init seed (`info.seeds.init`, else `info.seed`). */
export function buildSeededModel<P, D>(
  definition: Pick<ModelTrainableDefinition<P, D>, 'name' | 'build' | 'reseedInitializers'>,
  params: P,
  info: FitInfo,
): tf.LayersModel {
  const init = info.seeds?.init ?? info.seed;
  const model = withSeededMathRandom(deriveSeed(init, 'build'), () => definition.build(params, info));
  if (!isLayersModel(model))
    throw new UserError(
      'E_BAD_MODEL',
      `trainable '${definition.name}': build must return a tf.LayersModel (tf.sequential() or tf.model()), synchronously; got ${model === null ? 'null' : typeof model}.`,
    );
  if (definition.reseedInitializers !== false) reseedInitializers(model, init);
  return model;
}
