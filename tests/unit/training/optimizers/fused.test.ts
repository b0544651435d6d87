import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createOptimizer } from '../../../../src/training/optimizers/from-spec.js';
import { simdAdamUpdate } from '../../../../src/training/optimizers/wasm-simd.js';
import { OptimizerName } from '../../../../src/training/runner/types.js';
import { useTestBackend } from '../fixtures.js';

beforeAll(async () => {
  await useTestBackend();
});

const SHAPES = [[7, 5], [5], [3, 3, 2, 4]];

function tfOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  if (name === 'adam') return tf.train.adam(learningRate);
  if (name === 'rmsprop') return tf.train.rmsprop(learningRate);
  return tf.train.sgd(learningRate);
}

/** Runs `steps` updates with seeded random gradients; returns the final variable bits. */
function train(
  apply: (vars: tf.Variable[], grads: tf.Tensor[]) => void,
  steps: number,
  seed: number,
): Float32Array[] {
  const vars = SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', seed + i)));
  for (let step = 0; step < steps; step++) {
    const grads = SHAPES.map((s, i) =>
      tf.randomNormal(s, 0, step % 3 === 0 ? 1e-3 : 2, 'float32', 100 * step + i + seed),
    );
    apply(vars, grads);
    tf.dispose(grads);
  }
  const out = vars.map((v) => Float32Array.from(v.dataSync()));
  tf.dispose(vars);
  return out;
}

describe('fused optimisers', () => {
  it('has the SIMD Adam kernel on this runtime (so the tests below exercise it)', () => {
    expect(simdAdamUpdate(tf.backend() as BackendWasm)).toBeTypeOf('function');
  });

  for (const name of Object.values(OptimizerName)) {
    it(`${name}: bit-identical to tf.train.${name} on the wasm backend`, () => {
      const lr = name === 'sgd' ? 0.05 : 1e-3;
      const reference = tfOptimizer(name, lr);
      const expected = train(
        (vars, grads) => reference.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! }))),
        25,
        3,
      );
      reference.dispose();
      const fused = createOptimizer({ optimizer: name, learningRate: lr });
      const actual = train((vars, grads) => fused.applyGradients(vars, grads), 25, 3);
      expect(fused.iterations).toBe(25);
      fused.dispose();
      expect(actual.length).toBe(expected.length);
      actual.forEach((a, i) =>
        expect(Buffer.from(a.buffer).equals(Buffer.from(expected[i]!.buffer))).toBe(true),
      );
    });

    it(`${name}: a restored state continues exactly`, () => {
      const lr = 1e-2;
      const straight = createOptimizer({ optimizer: name, learningRate: lr });
      const expected = train((vars, grads) => straight.applyGradients(vars, grads), 12, 5);
      // Same run, but the optimiser is swapped for a fresh one restored from the state after step 6.
      let current = createOptimizer({ optimizer: name, learningRate: lr });
      let step = 0;
      const actual = train(
        (vars, grads) => {
          if (step++ === 6) {
            const restored = createOptimizer({ optimizer: name, learningRate: lr });
            restored.setState(current.getState());
            current = restored;
          }
          current.applyGradients(vars, grads);
        },
        12,
        5,
      );
      actual.forEach((a, i) =>
        expect(Buffer.from(a.buffer).equals(Buffer.from(expected[i]!.buffer))).toBe(true),
      );
      expect(current.getState()[0]).toMatchObject({ name: 'iter', data: Int32Array.of(12) });
    });
  }

  it('creates no tensors besides the updated variables', () => {
    const v = tf.variable(tf.ones([4, 4]));
    const g = tf.ones([4, 4]);
    const fused = createOptimizer({ optimizer: 'adam', learningRate: 0.1 });
    const before = tf.memory().numTensors;
    fused.applyGradients([v], [g]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(v.dataSync())[0]).toBeCloseTo(0.9, 5);
    tf.dispose([v, g]);
  });

  it('never leaves a stale XNNPACK packed-weights copy: products see the updated weights', () => {
    const x = tf.randomNormal([8, 64], 0, 1, 'float32', 1);
    const w = tf.variable(tf.randomNormal([64, 32], 0, 1, 'float32', 2));
    const fused = createOptimizer({ optimizer: 'sgd', learningRate: 0.5 });
    for (let step = 0; step < 3; step++) {
      tf.matMul(x, w).dispose(); // caches an operator with packed weights for w's current data
      const g = tf.randomNormal([64, 32], 0, 1, 'float32', 10 + step);
      fused.applyGradients([w], [g]);
      g.dispose();
      const viaVariable = tf.matMul(x, w);
      const fresh = tf.tensor(w.dataSync(), w.shape);
      const viaCopy = tf.matMul(x, fresh);
      expect(Array.from(viaVariable.dataSync())).toEqual(Array.from(viaCopy.dataSync()));
      tf.dispose([viaVariable, fresh, viaCopy]);
    }
    tf.dispose([x, w]);
  });
});
