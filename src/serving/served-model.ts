/**
 * What a loaded model takes and gives, read from its manifest (src/training/model-io.ts documents both
 * formats) and checked against the model: the inputs a request must hold (names, per-example shapes,
 * dtypes), the preprocessing the server repeats, whether image bodies fit its input, how its outputs
 * are read (class probabilities by name, or raw values), and the batch limit its input size implies.
 * The study's image classifier (`seedsweep-model/1`) is the special case of 32×32×3 pixels 0–255 and
 * class names; any other model (`seedsweep-model/2`) is served by its signature.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/common/errors.js';
import {
  MODEL_MANIFEST_FORMAT,
  type AnyModelManifest,
  type PreprocessingDescription,
  type SignatureManifest,
} from '../training/model-io.js';

/** One model input as a request must give it. */
export interface ServedInput {
  /** The input's name (the key of `{"inputs": {name: …}}` and of object instances). */
  name: string;
  /** Per-example shape; `null` for a dimension the model leaves open (any length, the same within a request). */
  shape: (number | null)[];
  dtype: 'float32' | 'int32';
  /**
   * What each JSON value must be: `pixels` integers 0–255 (the image classifier's contract),
   * `number` a finite float32, `integer` an int32.
   */
  values: 'pixels' | 'number' | 'integer';
}

/** What the server does to raw float32 inputs before the model: `x × scale + offset`, or nothing. */
export type AppliedPreprocessing = { kind: 'scale'; scale: number; offset: number } | { kind: 'none' };

/** The H×W×C input an image body is decoded into (`null`: any size). */
export interface ImageInput {
  height: number | null;
  width: number | null;
  channels: 1 | 3 | 4;
}

/**
 * How the model's outputs become an answer: class probabilities by name (`logits` get a softmax,
 * `scores` from another activation are answered as they are), one sigmoid unit read as two classes,
 * or the raw output values.
 */
export type OutputReading =
  | { kind: 'classes'; classNames: string[]; from: 'probabilities' | 'logits' | 'scores' }
  | { kind: 'binary'; classNames: [string, string]; from: 'probabilities' | 'logits' }
  | { kind: 'values'; names: string[] };

/** A loaded model as the server sees it. */
export interface ServedModel {
  inputs: ServedInput[];
  preprocessing: AppliedPreprocessing;
  /** The manifest's preprocessing when the server cannot repeat it: JSON inputs are then fed as sent. */
  unappliedPreprocessing?: PreprocessingDescription;
  /** Set when image bodies (PNG, JPEG) are accepted. */
  image?: ImageInput;
  /** Why image bodies are refused, when they are. */
  imageRefusal?: string;
  output: OutputReading;
  /** Most examples per request unless configured: 128 for a 32×32×3 input, scaled by the input size. */
  defaultMaxBatch: number;
}

/** Values per request the default batch limit allows: 128 images of 32×32×3 (about 1.5 MB of JSON). */
const REFERENCE_BATCH_VALUES = 128 * 32 * 32 * 3;
/** Cap of the derived batch limit, so tiny inputs do not allow answers of many megabytes. */
const MAX_DERIVED_BATCH = 4096;

/** The default most examples per request for inputs of these shapes (open dimensions count as 1). */
export function defaultMaxBatchFor(inputs: readonly { shape: readonly (number | null)[] }[]): number {
  const values = inputs.reduce(
    (sum, input) => sum + input.shape.reduce<number>((n, d) => n * (d ?? 1), 1),
    0,
  );
  return Math.max(1, Math.min(MAX_DERIVED_BATCH, Math.floor(REFERENCE_BATCH_VALUES / Math.max(1, values))));
}

/**
 * Reads the manifest against the model.
 * @throws UserError `E_MODEL_INCOMPATIBLE` when the manifest's class names do not fit the model's output.
 */
export function servedModelOf(model: tf.LayersModel, manifest: AnyModelManifest): ServedModel {
  if (manifest.format === MODEL_MANIFEST_FORMAT) {
    const [height, width, channels] = manifest.inputShape;
    const outputs = model.outputs[0]?.shape.at(-1);
    if (outputs !== manifest.classNames.length) {
      throw new UserError(
        'E_MODEL_INCOMPATIBLE',
        `the model has ${String(outputs)} outputs but the manifest lists ${manifest.classNames.length} class names`,
      );
    }
    const inputs: ServedInput[] = [
      {
        // Older manifests name no input; the loaded model's own name may carry a uniquifying suffix.
        name: manifest.signature?.inputs[0]?.name ?? 'image',
        shape: [height, width, channels],
        dtype: 'float32',
        values: 'pixels',
      },
    ];
    return {
      inputs,
      preprocessing: {
        kind: 'scale',
        scale: manifest.preprocessing.scale,
        offset: manifest.preprocessing.offset ?? 0,
      },
      image: { height, width, channels },
      output: { kind: 'classes', classNames: manifest.classNames, from: outputActivation(model) },
      defaultMaxBatch: defaultMaxBatchFor(inputs),
    };
  }

  const inputs: ServedInput[] = manifest.signature.inputs.map((input) => ({
    name: input.name,
    shape: [...input.shape],
    dtype: input.dtype,
    values: input.dtype === 'int32' ? 'integer' : 'number',
  }));
  const described = manifest.preprocessing;
  const preprocessing = appliedPreprocessing(described);
  const served: ServedModel = {
    inputs,
    preprocessing: preprocessing ?? { kind: 'none' },
    ...(described && !preprocessing ? { unappliedPreprocessing: described } : {}),
    output: outputReading(model, manifest),
    defaultMaxBatch: defaultMaxBatchFor(inputs),
  };
  const images = imageInputFor(inputs, described);
  if (images.image) served.image = images.image;
  else served.imageRefusal = images.refusal;
  return served;
}

/**
 * Whether image bodies fit these inputs: one H×W×C input (C = 1, 3 or 4) and a preprocessing the
 * server can apply to pixels (`scale` or `none`); else why not.
 */
export function imageInputFor(
  inputs: readonly { name: string; shape: readonly (number | null)[]; dtype: string }[],
  described: PreprocessingDescription | undefined,
): { image: ImageInput; refusal?: undefined } | { image?: undefined; refusal: string } {
  const only = inputs.length === 1 ? inputs[0]! : undefined;
  const channels = only?.shape.length === 3 ? only.shape[2] : undefined;
  if (!only || (channels !== 1 && channels !== 3 && channels !== 4))
    return {
      refusal: `the model's input${inputs.length > 1 ? 's are' : ' is'} ${describeInputs(inputs)}, not one H×W×C image (C = 1, 3 or 4)`,
    };
  if (appliedPreprocessing(described))
    return { image: { height: only.shape[0]!, width: only.shape[1]!, channels } };
  // Without a stated preprocessing the server cannot know what pixels 0–255 become: refuse to guess.
  return {
    refusal: described
      ? `the model's preprocessing ${JSON.stringify(described)} is not one the server can apply to pixels (it applies "scale" and "none")`
      : 'the model was saved without a preprocessing, so the server cannot tell what pixels 0–255 become; give the trainable\'s data a preprocessing (e.g. { kind: "scale", scale: 1/255 }, or { kind: "none" } for raw pixel values) and save it again',
  };
}

/** `scale` and `none` are applied; any other kind is descriptive only (undefined). */
function appliedPreprocessing(
  described: PreprocessingDescription | undefined,
): AppliedPreprocessing | undefined {
  if (described?.kind === 'none') return { kind: 'none' };
  if (described?.kind !== 'scale') return undefined;
  const { scale, offset = 0 } = described as { scale?: unknown; offset?: unknown };
  if (
    typeof scale !== 'number' ||
    !Number.isFinite(scale) ||
    typeof offset !== 'number' ||
    !Number.isFinite(offset)
  )
    return undefined;
  return { kind: 'scale', scale, offset };
}

/** Whether the model's (first) output holds probabilities, logits (a linear last layer) or other scores. */
function outputActivation(model: tf.LayersModel): 'probabilities' | 'logits' | 'scores' {
  const layer = model.outputs[0]?.sourceLayer;
  if (!layer) return 'scores';
  if (layer.getClassName() === 'Softmax') return 'probabilities';
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  if (activation === 'softmax' || activation === 'sigmoid') return 'probabilities';
  if (activation === 'linear') return 'logits';
  return 'scores';
}

function outputReading(model: tf.LayersModel, manifest: SignatureManifest): OutputReading {
  const values: OutputReading = {
    kind: 'values',
    names: model.outputs.map((output, i) => manifest.signature?.outputs[i]?.name ?? output.name),
  };
  const classNames = manifest.classNames;
  const shape = model.outputs[0]!.shape.slice(1);
  if (!classNames || model.outputs.length !== 1 || shape.length !== 1) return values;
  const width = shape[0];
  const from = outputActivation(model);
  if (width === classNames.length && width >= 2) return { kind: 'classes', classNames, from };
  if (width === 1 && classNames.length === 2 && from !== 'scores')
    return { kind: 'binary', classNames: [classNames[0]!, classNames[1]!], from };
  throw new UserError(
    'E_MODEL_INCOMPATIBLE',
    `the manifest names ${classNames.length} classes (${classNames.join(', ')}) but the model's output is [${String(width)}]${width === 1 ? ` (one unit${from === 'scores' ? ' without a sigmoid' : ''} fits two class names)` : ''}; fix the class names the trainable's data gives and save the model again`,
  );
}

/** E.g. `features [4] float32, extra [2] float32`. */
export function describeInputs(
  inputs: readonly { name: string; shape: readonly (number | null)[]; dtype: string }[],
): string {
  return inputs.map((input) => `"${input.name}" ${describeShape(input.shape)} ${input.dtype}`).join(', ');
}

/** E.g. `[28×28×1]`, `[?×4]` for an open dimension, `[]` for a scalar. */
export function describeShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => d ?? '?').join('×')}]`;
}

/** What `GET /model` answers: the manifest's facts plus how requests and answers look. */
export function describeServedModel(
  manifest: AnyModelManifest,
  served: ServedModel,
  limits: { maxBatch: number; maxBodyBytes: number },
) {
  const accuracy = manifest.metrics?.['testAccuracy'];
  const summary = [
    manifest.model ?? 'model',
    manifest.trialKey ? `trial ${manifest.trialKey}` : undefined,
    accuracy !== undefined ? `test accuracy ${accuracy.toFixed(4)}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const classic = manifest.format === MODEL_MANIFEST_FORMAT ? { inputShape: manifest.inputShape } : {};
  return {
    summary,
    format: manifest.format,
    model: manifest.model,
    modelOptions: manifest.modelOptions,
    trainable: manifest.trainable,
    trialKey: manifest.trialKey,
    seed: manifest.seed,
    metrics: manifest.metrics,
    classNames: manifest.classNames,
    ...classic,
    preprocessing: manifest.preprocessing,
    preprocessingApplied: served.preprocessing,
    synthetic: manifest.synthetic,
    inputs: served.inputs,
    output: served.output,
    images: served.image ?? { refused: served.imageRefusal },
    limits,
  };
}
