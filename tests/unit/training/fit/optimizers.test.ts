/**
 * Optimisers of model trainables: every OptimizerSpec has a fused form bit-identical to its tf.train
 * counterpart on wasm and cpu (SGD with momentum and Nesterov, Adagrad and centred RMSprop are new here), whose
 * state restores exactly; `compile`'s tf.train optimisers, names and specs resolve to the same spec.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/core/common/errors.js';
import { resolveCompile, resolveOptimizer } from '../../../../src/training/fit/compile.js';
import { createSpecOptimizer, optimizerIdentity } from '../../../../src/training/optimizers/from-spec.js';
import type { OptimizerSpec } from '../../../../src/training/training-path.js';
import { useTestBackend } from '../fixtures.js';

beforeAll(async () => {
  await useTestBackend();
});

const SHAPES = [[7, 5], [5], [3, 3, 2, 4]];

/** Runs `steps` updates with seeded random gradients; returns the final variable bits. */
function train(
  apply: (vars: tf.Variable[], grads: tf.Tensor[], step: number) => void,
  steps: number,
): Float32Array[] {
  const vars = SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', 3 + i)));
  for (let step = 0; step < steps; step++) {
    const grads = SHAPES.map((s, i) =>
      tf.randomNormal(s, 0, step % 3 === 0 ? 1e-3 : 2, 'float32', 100 * step + i + 1),
    ); // seed 0 would mean unseeded
    apply(vars, grads, step);
    tf.dispose(grads);
  }
  const out = vars.map((v) => Float32Array.from(v.dataSync()));
  tf.dispose(vars);
  return out;
}

const bits = (arrays: Float32Array[]) => arrays.map((a) => Buffer.from(a.buffer).toString('hex'));

const CASES: [string, OptimizerSpec, () => tf.Optimizer][] = [
  ['sgd', { name: 'sgd', learningRate: 0.05 }, () => tf.train.sgd(0.05)],
  ['momentum', { name: 'sgd', learningRate: 0.05, momentum: 0.9 }, () => tf.train.momentum(0.05, 0.9)],
  [
    'nesterov',
    { name: 'sgd', learningRate: 0.05, momentum: 0.8, nesterov: true },
    () => tf.train.momentum(0.05, 0.8, true),
  ],
  ['adagrad', { name: 'adagrad', learningRate: 0.1 }, () => tf.train.adagrad(0.1)],
  [
    'adagrad (initial 0.3)',
    { name: 'adagrad', learningRate: 0.1, initialAccumulatorValue: 0.3 },
    () => tf.train.adagrad(0.1, 0.3),
  ],
  ['rmsprop', { name: 'rmsprop', learningRate: 0.01, momentum: 0.5 }, () => tf.train.rmsprop(0.01, 0.9, 0.5)],
  [
    'centred rmsprop',
    { name: 'rmsprop', learningRate: 0.01, decay: 0.8, momentum: 0.3, centered: true },
    () => tf.train.rmsprop(0.01, 0.8, 0.3, undefined, true),
  ],
  [
    'adam',
    { name: 'adam', learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 },
    () => tf.train.adam(0.01, 0.8, 0.99, 1e-6),
  ],
];

describe.each(CASES)('%s', (_name, spec, reference) => {
  it('is bit-identical to tf.train on wasm', () => {
    const tfOptimizer = reference();
    const expected = train(
      (vars, grads) => tfOptimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! }))),
      25,
    );
    tfOptimizer.dispose();
    const fused = createSpecOptimizer(spec);
    const actual = train((vars, grads) => fused.applyGradients(vars, grads), 25);
    fused.dispose();
    expect(bits(actual)).toEqual(bits(expected));
  });

  it('continues exactly from a restored state', () => {
    const straight = createSpecOptimizer(spec);
    const expected = train((vars, grads) => straight.applyGradients(vars, grads), 12);
    let current = createSpecOptimizer(spec);
    const actual = train((vars, grads, step) => {
      if (step === 6) {
        const restored = createSpecOptimizer(spec);
        restored.setState(structuredClone(current.getState()));
        current.dispose();
        current = restored;
      }
      current.applyGradients(vars, grads);
    }, 12);
    expect(bits(actual)).toEqual(bits(expected));
    expect(current.getState()[0]).toMatchObject({ name: 'iter', data: Int32Array.of(12) });
  });

  it('is what compile makes of the tf.train optimiser (config read, instance disposed)', () => {
    const instance = reference();
    expect(optimizerIdentity(resolveOptimizer(instance))).toBe(optimizerIdentity(spec));
  });
});

describe('on the cpu backend', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await useTestBackend();
  });

  it.each(CASES)('%s is bit-identical to tf.train', (_name, spec, reference) => {
    expect(tf.getBackend()).toBe('cpu');
    const tfOptimizer = reference();
    const expected = train(
      (vars, grads) => tfOptimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! }))),
      15,
    );
    tfOptimizer.dispose();
    const fused = createSpecOptimizer(spec);
    const actual = train((vars, grads) => fused.applyGradients(vars, grads), 15);
    fused.dispose();
    expect(bits(actual)).toEqual(bits(expected));
  });
});

describe('optimizer specs', () => {
  it('name every hyper-parameter in their identity, defaults filled in', () => {
    expect(optimizerIdentity({ name: 'adam', learningRate: 0.001 })).toBe(
      'adam(learningRate=0.001,beta1=0.9,beta2=0.999,epsilon=1e-7)',
    );
    expect(optimizerIdentity(resolveOptimizer('sgd'))).toBe(
      'sgd(learningRate=0.01,momentum=0,nesterov=false)',
    );
  });

  it('refuse what has no exact form, saying what to use', () => {
    expect(() => resolveOptimizer(tf.train.adamax(0.01))).toThrow(/Adamax has no exact checkpointable form/);
    expect(() => resolveOptimizer('lion' as never)).toThrow(UserError);
    expect(() => resolveOptimizer({ name: 'adam', learningRate: -1 })).toThrow(
      /learningRate must be a number > 0/,
    );
    expect(() => resolveCompile({ optimizer: 'adam', loss: 'hinge' as never })).toThrow(
      /unknown loss "hinge"/,
    );
    expect(() => resolveCompile({ optimizer: 'adam', loss: 'mse', metrics: ['auc' as never] })).toThrow(
      /unknown metric "auc"/,
    );
  });

  it('take Keras names for losses and metrics', () => {
    expect(
      resolveCompile({ optimizer: 'adam', loss: 'mae', metrics: ['acc', 'mse', 'accuracy'] }),
    ).toMatchObject({
      loss: { name: 'meanAbsoluteError' },
      metrics: ['accuracy', 'meanSquaredError'],
    });
  });
});
