/**
 * Fused optimisers: one pass over each variable's memory per step instead of a dozen TF.js ops
 * (each allocating a tensor as large as the variable). Each reproduces the float32 arithmetic of
 * its `tf.train` counterpart operation by operation (`Math.fround` after every operation; double
 * rounding through float64 is exact for + − × ÷ √ of float32 operands), so results are
 * bit-identical to `tf.train.adam` / `rmsprop` / `sgd` on backends whose elementwise ops are
 * IEEE float32 (cpu, wasm). The state is plain `Float32Array`s, saved and restored exactly.
 */
import type * as tf from '@tensorflow/tfjs';
import type { CheckpointArray } from '../runner/checkpoint.js';

/** A training optimiser that updates TF.js variables from their gradients. */
export interface FusedOptimizer {
  /** Class name of the `tf.train` optimiser it reproduces (`Adam`, `RMSProp`, `SGD`); stored in checkpoints. */
  readonly className: string;
  /** Steps taken so far (saved as the `iter` entry of the state). */
  readonly iterations: number;
  /** One update: `variables[i]` moves along `gradients[i]` (same shapes, float32). */
  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void;
  /**
   * The state in `tf.train`'s `getWeights` layout: `iter` (int32 scalar), then per-variable slots
   * (e.g. Adam's `<var>/m` then `<var>/v`), then extras named `seedsweep:<name>` (Adam's β powers).
   */
  getState(): CheckpointArray[];
  /** Restores a state from {@link getState} (slots are matched by position, as `tf.train` does). */
  setState(arrays: readonly CheckpointArray[]): void;
  /** Frees state kept on the wasm heap. */
  dispose(): void;
}

/** Prefix of state entries that `tf.train`'s `getWeights` leaves out but exact resumption needs. */
export const EXTRA_PREFIX = 'seedsweep:';
