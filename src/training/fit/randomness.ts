/**
 * Randomness inside a training step, derived from (trial seed, epoch, step) so that nothing random
 * needs saving and a resumed trial draws exactly what an uninterrupted one does:
 * - every Dropout layer (and SpatialDropout1D) gets the seed `deriveSeed(seed, 'dropout', epoch,
 *   step, layerIndex)` before the step: TF.js' Dropout with a fixed seed would repeat one mask;
 * - TF.js ops that take no seed (GaussianNoise, GaussianDropout, AlphaDropout, recurrent dropout, an
 *   initialiser without a seed) draw from `Math.random`: it is swapped for a seeded generator while a
 *   step (or a model's build) runs. Steps are synchronous, so no other code sees the swap.
 */
import type * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../core/common/random.js';
import { deriveSeed } from '../runner/seeding.js';

/** TF.js layer classes whose `seed` field seeds their mask. */
const DROPOUT_CLASSES = new Set(['Dropout', 'SpatialDropout1D']);

/** Runs `fn` with `Math.random` drawing from a generator seeded with `seed`, then puts it back. */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

/** A layer with its index path in the model (`3`, or `2/1` inside a nested model). */
export interface IndexedLayer {
  layer: tf.layers.Layer;
  index: string;
}

/** Every layer of `model`, nested models' layers included, with their index paths. */
export function allLayers(model: { layers: tf.layers.Layer[] }, prefix = ''): IndexedLayer[] {
  return model.layers.flatMap((layer, i) => {
    const index = `${prefix}${i}`;
    const nested = (layer as Partial<tf.LayersModel>).layers;
    return Array.isArray(nested)
      ? allLayers(layer as unknown as { layers: tf.layers.Layer[] }, `${index}/`)
      : [{ layer, index }];
  });
}

/** The per-step randomness of one model. */
export interface StepRandomness {
  /** Runs a training step's `fn` with its dropout seeds set and `Math.random` seeded. */
  run<T>(epoch: number, step: number, fn: () => T): T;
}

/** The step randomness of `model` under trial seed `seed`. */
export function stepRandomness(model: tf.LayersModel, seed: number): StepRandomness {
  const dropouts = allLayers(model).filter(({ layer }) => DROPOUT_CLASSES.has(layer.getClassName()));
  return {
    run(epoch, step, fn) {
      for (const { layer, index } of dropouts) {
        (layer as unknown as { seed?: number }).seed = deriveSeed(seed, 'dropout', epoch, step, index);
      }
      return withSeededMathRandom(deriveSeed(seed, 'random', epoch, step), fn);
    },
  };
}
