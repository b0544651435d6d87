/**
 * What a model trainable checkpoints after every epoch: every weight of the model (trainable or not,
 * e.g. batch norm's moving statistics), the optimiser's state, and a signature of both (the layer
 * classes with their weights' names and shapes; the optimiser's name and hyper-parameters). A
 * checkpoint whose signature differs from the model being resumed (the code changed under the same
 * trial key) is refused, naming the trial and the first difference: never a silent restart.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/common/errors.js';
import type { CheckpointArray } from '../runner/checkpoint.js';
import { weightShortName } from './initializers.js';
import { allLayers } from './randomness.js';

/** Format tag of {@link FitState}. */
export const FIT_STATE_FORMAT = 'seedsweep-fit/1';

/** The staged state of one epoch. */
export interface FitState {
  format: typeof FIT_STATE_FORMAT;
  /** {@link modelSignature} of the model. */
  model: string[];
  /** The optimiser's identity, e.g. `adam(learningRate=0.001,beta1=0.9,beta2=0.999,epsilon=1e-7)`. */
  optimizer: string;
  /** Every weight, in `model.weights` order. */
  weights: CheckpointArray[];
  /** `iter`, then the optimiser's slots (tf.train's layout) and extras. */
  optimizerState: CheckpointArray[];
}

/**
 * One line per layer: its index, class and weights, e.g. `3 Dense kernel[784,32] bias[32]`. Auto-made
 * layer names (`dense_Dense7`) are left out: they count layers built earlier in the process.
 */
export function modelSignature(model: tf.LayersModel): string[] {
  return allLayers(model).map(({ layer, index }) =>
    [
      index,
      layer.getClassName(),
      ...layer.weights.map((w) => `${weightShortName(w)}[${w.shape.join(',')}]`),
    ].join(' '),
  );
}

/** Copies of the model's weights, named by their original names, in `model.weights` order. */
export function weightArrays(model: tf.LayersModel): CheckpointArray[] {
  return model.weights.map((weight) => {
    // read() is the variable itself: copy before it changes (the cpu backend hands out its storage).
    const value = weight.read();
    const data = value.dataSync();
    return {
      name: weight.originalName,
      shape: [...value.shape],
      data: data instanceof Int32Array ? Int32Array.from(data) : Float32Array.from(data as Float32Array),
    };
  });
}

/** What the state of a resumed trial must match. */
export interface ExpectedSignature {
  model: string[];
  optimizer: string;
  /** The trial, for the message. */
  trialKey: string;
}

function firstDifference(saved: readonly string[], current: readonly string[]): string {
  for (let i = 0; i < Math.max(saved.length, current.length); i++) {
    if (saved[i] !== current[i])
      return `layer ${i}: the checkpoint has ${saved[i] === undefined ? 'no such layer' : `'${saved[i]}'`}, the model has ${current[i] === undefined ? 'none' : `'${current[i]}'`}`;
  }
  return 'no difference';
}

/**
 * The state staged by a model trainable, checked against the model and optimiser being resumed.
 * @throws UserError `E_CHECKPOINT_MISMATCH` naming the trial and what differs.
 */
export function checkFitState(state: unknown, expected: ExpectedSignature): FitState {
  const refuse = (what: string) =>
    new UserError(
      'E_CHECKPOINT_MISMATCH',
      `trial ${expected.trialKey}: ${what}; the code changed under the same trial key: bump the trainable's version (or start without resume).`,
    );
  const s = state as Partial<FitState> | null;
  if (typeof s !== 'object' || s === null || s.format !== FIT_STATE_FORMAT || !Array.isArray(s.model))
    throw refuse('its checkpoint was not written by a defineModelTrainable trainable');
  const sameModel =
    s.model.length === expected.model.length && s.model.every((line, i) => line === expected.model[i]);
  if (!sameModel)
    throw refuse(`its checkpoint is of another model (${firstDifference(s.model, expected.model)})`);
  if (s.optimizer !== expected.optimizer)
    throw refuse(`its checkpoint holds optimizer ${s.optimizer}, this run uses ${expected.optimizer}`);
  if (!Array.isArray(s.weights) || !Array.isArray(s.optimizerState))
    throw new UserError(
      'E_CHECKPOINT_CORRUPT',
      `trial ${expected.trialKey}: its checkpoint lacks weights or optimizer state; delete it to start afresh.`,
    );
  return s as FitState;
}
