/**
 * The manifest a model trainable saves its model with (src/training/model-io.ts documents both formats):
 * the image classifier's `seedsweep-model/1` when the model is one (a single 32×32×3 float input,
 * class names for its outputs, pixel scaling, the synthetic flag known), so `seedsweep serve` serves
 * it as it serves the study's; the general `seedsweep-model/2` otherwise. Both carry the signature.
 */
import type * as tf from '@tensorflow/tfjs';
import type { EpochMetrics } from '../../core/domain/trial.js';
import {
  MODEL_MANIFEST_FORMAT,
  SIGNATURE_MANIFEST_FORMAT,
  type AnyModelManifest,
  type ModelSignature,
} from '../model-io.js';
import type { FitData } from './definition.js';
import type { FitSource } from './sources.js';

/** Metrics a manifest leaves out: timings say nothing about the model. */
const TIMING_METRICS = new Set(['epoch', 'epochSeconds', 'examplesPerSecond', 'imagesPerSecond']);

/** Options of {@link fitManifest}. */
export interface FitManifestOptions {
  model: tf.LayersModel;
  /** The training split: its per-example input shapes (complete, unlike the model's). */
  source: FitSource;
  data: FitData;
  /** `name@version` of the trainable. */
  trainable: string;
  /** The trainable's name and parameters (provenance, as `model` / `modelOptions`). */
  name: string;
  params: unknown;
  trialKey: string;
  seed: number;
  /** The last epoch's metrics. */
  final: EpochMetrics | undefined;
}

/** The model's inputs (shapes as trained) and outputs. */
export function modelSignatureOf(model: tf.LayersModel, source: FitSource): ModelSignature {
  return {
    inputs: model.inputs.map((input, i) => ({
      // The name the model gave (`tf.input({ name })`); `name` gets a suffix when this thread built a
      // model with the same input name before (its second trial's model would be served as `features_1`).
      name: input.originalName ?? input.name,
      shape: source.inputShapes[i]!,
      dtype: source.inputDtypes[i]!,
    })),
    outputs: model.outputs.map((output) => ({
      name: output.name,
      shape: output.shape.slice(1),
      dtype: 'float32',
    })),
  };
}

/** The parameters that a manifest's `modelOptions` can hold (numbers and strings). */
function scalarOptions(params: unknown): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  if (typeof params !== 'object' || params === null) return out;
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'number' || typeof value === 'string') out[key] = value;
  }
  return out;
}

/** The manifest to save the trained model with. */
export function fitManifest(options: FitManifestOptions): AnyModelManifest {
  const { data } = options;
  const signature = modelSignatureOf(options.model, options.source);
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(options.final ?? {})) {
    if (!TIMING_METRICS.has(key)) metrics[key] = value;
  }
  const provenance = {
    trainable: options.trainable,
    model: options.name,
    modelOptions: scalarOptions(options.params),
    trialKey: options.trialKey,
    seed: options.seed,
    metrics,
    signature,
  };
  const input = signature.inputs[0]!;
  const classes = signature.outputs[0]!.shape.at(-1);
  const preprocessing = data.preprocessing;
  if (
    signature.inputs.length === 1 &&
    input.dtype === 'float32' &&
    input.shape.join() === '32,32,3' &&
    data.classNames !== undefined &&
    data.classNames.length === classes &&
    preprocessing?.kind === 'scale' &&
    typeof preprocessing['scale'] === 'number' &&
    preprocessing['scale'] > 0 &&
    typeof data.synthetic === 'boolean'
  ) {
    const offset = preprocessing['offset'];
    return {
      format: MODEL_MANIFEST_FORMAT,
      classNames: data.classNames,
      inputShape: [32, 32, 3],
      preprocessing: {
        kind: 'scale',
        scale: preprocessing['scale'],
        ...(typeof offset === 'number' && offset !== 0 ? { offset } : {}),
      },
      synthetic: data.synthetic,
      ...provenance,
    };
  }
  return {
    format: SIGNATURE_MANIFEST_FORMAT,
    ...(data.classNames ? { classNames: data.classNames } : {}),
    ...(preprocessing ? { preprocessing } : {}),
    ...(data.synthetic !== undefined ? { synthetic: data.synthetic } : {}),
    ...provenance,
  };
}
