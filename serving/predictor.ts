/**
 * Predictions of a loaded model on raw uint8 images, through the training preprocessing
 * (`datasets/preprocess.ts`) so served inputs are exactly what the model was trained on.
 */
import * as tf from '../engine/tfjs.js';
import { UserError } from '../common/errors.js';
import { normalizeImages, PREPROCESSING } from '../datasets/preprocess.js';
import { IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from '../datasets/types.js';
import type { ModelManifest } from '../engine/model-io.js';

/** One image's answer, in the shape `/invocations` returns. */
export interface Prediction {
  /** Class name of the most probable class. */
  label: string;
  /** Output index of the most probable class. */
  class_index: number;
  /** Probability of every class, by class name. */
  probabilities: Record<string, number>;
}

/** Options of {@link createPredictor}. */
export interface CreatePredictorOptions {
  model: tf.LayersModel;
  manifest: ModelManifest;
}

/** Predicts classes of uint8 NHWC images. */
export interface Predictor {
  /** @param images `count × 32 × 32 × 3` bytes, RGB. */
  predict(images: Uint8Array, count: number): Prediction[];
}

/**
 * Checks that the model and its manifest fit the serving code, then returns a predictor.
 * @throws UserError `E_MODEL_INCOMPATIBLE` when the manifest's preprocessing is not the one this
 * version trains with, or the output width differs from the number of class names.
 */
export function createPredictor(options: CreatePredictorOptions): Predictor {
  const { model, manifest } = options;
  const { scale, offset = 0 } = manifest.preprocessing;
  if (Math.abs(scale - PREPROCESSING.scale) > 1e-12 || offset !== PREPROCESSING.offset) {
    throw new UserError(
      'E_MODEL_INCOMPATIBLE',
      `the model was trained with preprocessing ${JSON.stringify(manifest.preprocessing)}, but this seedsweep serves with scale ${PREPROCESSING.scale}, offset ${PREPROCESSING.offset}; serve it with the seedsweep version that trained it`,
    );
  }
  const outputs = model.outputs[0]?.shape.at(-1);
  if (outputs !== manifest.classNames.length) {
    throw new UserError(
      'E_MODEL_INCOMPATIBLE',
      `the model has ${String(outputs)} outputs but the manifest lists ${manifest.classNames.length} class names`,
    );
  }
  const classNames = manifest.classNames;
  return {
    predict(images, count) {
      if (images.length !== count * IMAGE_BYTES)
        throw new RangeError(
          `predict: expected ${count * IMAGE_BYTES} bytes for ${count} images, got ${images.length}`,
        );
      const inputs = normalizeImages({ bytes: images });
      const probabilities = tf.tidy(() => {
        const x = tf.tensor4d(inputs, [count, IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS]);
        return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
      });
      const k = classNames.length;
      const answers: Prediction[] = [];
      for (let i = 0; i < count; i++) {
        const row = probabilities.subarray(i * k, (i + 1) * k);
        let best = 0;
        for (let j = 1; j < k; j++) if (row[j]! > row[best]!) best = j;
        answers.push({
          label: classNames[best]!,
          class_index: best,
          probabilities: Object.fromEntries(classNames.map((name, j) => [name, row[j]!])),
        });
      }
      return answers;
    },
  };
}
