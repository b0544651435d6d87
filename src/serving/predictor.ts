/**
 * Predictions of a loaded model on decoded requests: raw inputs go through the preprocessing the
 * manifest records (so served inputs are what the model was trained on), outputs are read as class
 * probabilities by name or returned as raw values (src/serving/served-model.ts says which).
 */
import * as tf from '../training/backends/tfjs.js';
import { normalizeImages, PREPROCESSING } from '../datasets/preprocess.js';
import type { AnyModelManifest } from '../training/model-io.js';
import type { DecodedRequest, RawInput } from './decode-request.js';
import {
  servedModelOf,
  type AppliedPreprocessing,
  type ServedInput,
  type ServedModel,
} from './served-model.js';

/** A classifier's answer for one example. */
export interface ClassPrediction {
  /** Class name of the most probable class. */
  label: string;
  /** Output index of the most probable class (for one sigmoid unit: 1 when p ≥ 0.5). */
  class_index: number;
  /** Probability of every class, by class name. */
  probabilities?: Record<string, number>;
  /** The outputs by class name when they are neither probabilities nor logits (another activation). */
  scores?: Record<string, number>;
}

/** A nested array of numbers, as the output's per-example shape (a number for a scalar output). */
export type NestedValues = number | NestedValues[];

/** One example's answer: class probabilities, or the raw output (`values`; `outputs` by name for several). */
export type Prediction =
  ClassPrediction | { values: NestedValues } | { outputs: Record<string, NestedValues> };

/** Options of {@link createPredictor}. */
export interface CreatePredictorOptions {
  model: tf.LayersModel;
  manifest: AnyModelManifest;
}

/** Predicts for decoded requests. */
export interface Predictor {
  /** What the model takes and how its outputs are read. */
  readonly served: ServedModel;
  predict(request: DecodedRequest): Prediction[];
}

/**
 * Checks that the model and its manifest fit each other, then returns a predictor.
 * @throws UserError `E_MODEL_INCOMPATIBLE` when the class names do not fit the model's output.
 */
export function createPredictor(options: CreatePredictorOptions): Predictor {
  const { model } = options;
  const served = servedModelOf(model, options.manifest);
  return {
    served,
    predict(request) {
      const outputs = tf.tidy(() => {
        const tensors = served.inputs.map((input, i) =>
          inputTensor(request.inputs[i]!, input, request.count, served.preprocessing),
        );
        const result = model.predict(tensors.length === 1 ? tensors[0]! : tensors);
        return (Array.isArray(result) ? result : [result]).map((t) => ({
          values: t.dataSync() as Float32Array,
          shape: t.shape.slice(1),
        }));
      });
      return Array.from({ length: request.count }, (_, i) => readExample(outputs, i, served));
    },
  };
}

function inputTensor(
  raw: RawInput,
  input: ServedInput,
  count: number,
  preprocessing: AppliedPreprocessing,
): tf.Tensor {
  const size = raw.shape.reduce((a, b) => a * b, 1);
  if (raw.values.length !== count * size)
    throw new RangeError(
      `predict: input "${input.name}" holds ${raw.values.length} values, expected ${count} × ${size}`,
    );
  const shape = [count, ...raw.shape];
  if (input.dtype === 'int32') return tf.tensor(Int32Array.from(raw.values), shape, 'int32');
  return tf.tensor(preprocessed(raw.values, preprocessing), shape, 'float32');
}

/**
 * `x × scale + offset` in double precision, rounded once to float32. Training's own pixel scaling
 * (1/255) goes through training's `normalizeImages`, which divides by 255 (multiplying by 1/255 can
 * differ in the last bit).
 */
function preprocessed(values: ArrayLike<number>, preprocessing: AppliedPreprocessing): Float32Array {
  const out = new Float32Array(values.length);
  if (preprocessing.kind === 'none') {
    out.set(values);
    return out;
  }
  const { scale, offset } = preprocessing;
  if (Math.abs(scale - PREPROCESSING.scale) < 1e-12 && offset === PREPROCESSING.offset)
    return normalizeImages({ bytes: values, out });
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * scale + offset;
  return out;
}

function readExample(
  outputs: readonly { values: Float32Array; shape: number[] }[],
  i: number,
  served: ServedModel,
): Prediction {
  const reading = served.output;
  const rowOf = (o: { values: Float32Array; shape: number[] }) => {
    const size = o.shape.reduce((a, b) => a * b, 1);
    return o.values.subarray(i * size, (i + 1) * size);
  };
  if (reading.kind === 'values') {
    if (outputs.length === 1) return { values: nest(rowOf(outputs[0]!), outputs[0]!.shape) };
    return {
      outputs: Object.fromEntries(outputs.map((o, k) => [reading.names[k]!, nest(rowOf(o), o.shape)])),
    };
  }
  const row = Array.from(rowOf(outputs[0]!));
  const names = reading.classNames;
  if (reading.kind === 'binary') {
    const p = reading.from === 'logits' ? 1 / (1 + Math.exp(-row[0]!)) : row[0]!;
    const best = p >= 0.5 ? 1 : 0;
    return { label: names[best]!, class_index: best, probabilities: { [names[0]]: 1 - p, [names[1]]: p } };
  }
  const probabilities = reading.from === 'logits' ? softmax(row) : row;
  let best = 0;
  for (let j = 1; j < probabilities.length; j++) if (probabilities[j]! > probabilities[best]!) best = j;
  const byName = Object.fromEntries(names.map((name, j) => [name, probabilities[j]!]));
  return {
    label: names[best]!,
    class_index: best,
    ...(reading.from === 'scores' ? { scores: byName } : { probabilities: byName }),
  };
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function nest(values: Float32Array, shape: readonly number[]): NestedValues {
  if (shape.length === 0) return values[0]!;
  const [first, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: first! }, (_, k) => nest(values.subarray(k * size, (k + 1) * size), rest));
}
