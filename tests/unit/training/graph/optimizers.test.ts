/**
 * The graph path's optimisers against tf.train on the native backend: the same model, batches and
 * starting weights, a few steps each; weights must agree (relative L2 per weight), and the state
 * must read like tf.train's `getWeights` (names, order, values) so checkpoints are comparable.
 * Centred RMSProp is checked against TensorFlow's rule written out in TF.js ops: tf.train subtracts ε
 * under the square root where TensorFlow and Keras add it (src/training/graph/optimizers.ts says why).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraphPath } from '../../../../src/training/graph/compile-model.js';
import type { GraphTrainingPath } from '../../../../src/training/graph/graph-training-path.js';
import type { HostBatch, OptimizerSpec } from '../../../../src/training/training-path.js';
import { graphSkipReason, referenceOptimizer, relativeL2, useTensorflowBackend } from './zoo.js';

const skip = graphSkipReason();
const STEPS = 6;
/**
 * Weights and slots after STEPS updates, relative L2. The fused kernels round differently from TF.js'
 * op chain, most of all Adam's: TensorFlow scales g² by 1 − β2 computed from float32 β2
 * (0.00099998712 for 0.999) where TF.js multiplies by float32(1 − β2) = 0.001, so v differs by
 * 1.3e-5 relative and the step by half that (seen: ≤ 2.2e-5; every other optimiser ≤ 1e-6).
 */
const TOLERANCE = 5e-5;

function batch(step: number): HostBatch {
  const x = Float32Array.from({ length: 8 * 5 }, (_, i) => Math.sin(0.7 * i + step));
  const y = Float32Array.from({ length: 8 * 3 }, (_, i) => Math.cos(1.3 * i - step));
  return { inputs: [x], targets: [y], count: 8, epoch: 1, step };
}

function model(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [5],
        units: 3,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }),
      }),
    ],
  });
}

function compile(m: tf.LayersModel, optimizer: OptimizerSpec): GraphTrainingPath {
  const path = compileGraphPath({
    model: m,
    loss: { name: 'meanSquaredError' },
    metrics: [],
    optimizer,
    seed: 1,
    threads: { intraOpThreads: 1, interOpThreads: 1 },
  });
  if ('reason' in path) throw new Error(path.reason);
  return path;
}

function mseLoss(m: tf.LayersModel, b: HostBatch): tf.Scalar {
  const out = m.apply(tf.tensor(b.inputs[0]!, [b.count, 5])) as tf.Tensor;
  return tf.mean(tf.metrics.meanSquaredError(tf.tensor(b.targets[0]!, [b.count, 3]), out));
}

/** TensorFlow's centred RMSProp (ResourceApplyCenteredRMSProp) in TF.js ops. */
function centeredRmsPropReference(
  m: tf.LayersModel,
  spec: { learningRate: number; decay: number; momentum: number; epsilon: number },
) {
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const slots = vars.map((v) => ({
    ms: tf.zerosLike(v).variable(false),
    mg: tf.zerosLike(v).variable(false),
    mom: tf.zerosLike(v).variable(false),
  }));
  return (b: HostBatch) =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => mseLoss(m, b), vars);
      vars.forEach((v, i) => {
        const g = grads[v.name]!;
        const { ms, mg, mom } = slots[i]!;
        ms.assign(tf.add(tf.mul(ms, spec.decay), tf.mul(tf.square(g), 1 - spec.decay)));
        mg.assign(tf.add(tf.mul(mg, spec.decay), tf.mul(g, 1 - spec.decay)));
        const denominator = tf.sqrt(tf.add(tf.sub(ms, tf.square(mg)), spec.epsilon));
        mom.assign(tf.add(tf.mul(mom, spec.momentum), tf.div(tf.mul(g, spec.learningRate), denominator)));
        v.assign(tf.sub(v, mom));
      });
    });
}

const SPECS: { spec: OptimizerSpec; identity: string; slots: string[] }[] = [
  {
    spec: { name: 'adam', learningRate: 0.01 },
    identity: 'adam(learningRate=0.01,beta1=0.9,beta2=0.999,epsilon=1e-7)',
    slots: ['m', 'v'],
  },
  {
    spec: { name: 'adam', learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-3 },
    identity: 'adam(learningRate=0.05,beta1=0.8,beta2=0.99,epsilon=0.001)',
    slots: ['m', 'v'],
  },
  {
    spec: { name: 'sgd', learningRate: 0.1 },
    identity: 'sgd(learningRate=0.1,momentum=0,nesterov=false)',
    slots: [],
  },
  {
    spec: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
    identity: 'sgd(learningRate=0.05,momentum=0.9,nesterov=false)',
    slots: ['momentum'],
  },
  {
    spec: { name: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true },
    identity: 'sgd(learningRate=0.05,momentum=0.9,nesterov=true)',
    slots: ['momentum'],
  },
  {
    spec: { name: 'rmsprop', learningRate: 0.01 },
    identity: 'rmsprop(learningRate=0.01,decay=0.9,momentum=0,epsilon=1e-7,centered=false)',
    slots: ['rms', 'momentum'],
  },
  {
    spec: { name: 'rmsprop', learningRate: 0.01, decay: 0.8, momentum: 0.5, epsilon: 1e-4 },
    identity: 'rmsprop(learningRate=0.01,decay=0.8,momentum=0.5,epsilon=0.0001,centered=false)',
    slots: ['rms', 'momentum'],
  },
  {
    spec: { name: 'adagrad', learningRate: 0.2 },
    identity: 'adagrad(learningRate=0.2,initialAccumulatorValue=0.1)',
    slots: ['accumulator'],
  },
  {
    spec: { name: 'adagrad', learningRate: 0.2, initialAccumulatorValue: 0.5 },
    identity: 'adagrad(learningRate=0.2,initialAccumulatorValue=0.5)',
    slots: ['accumulator'],
  },
];

describe.skipIf(skip !== undefined)(`graph optimisers${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(useTensorflowBackend);

  it.each(SPECS.map((s) => [s.identity, s] as const))(
    '%s follows tf.train and writes its state layout',
    async (_id, { spec, identity, slots }) => {
      const m = model();
      const path = compile(m, spec);
      const optimizer = referenceOptimizer(spec);
      try {
        expect(path.optimizerIdentity).toBe(identity);
        for (let step = 0; step < STEPS; step++) {
          path.trainBatch(batch(step));
          tf.tidy(() => {
            optimizer.minimize(() => mseLoss(m, batch(step)));
          });
        }
        path.weights().forEach((w, i) => {
          expect(relativeL2(w.data, m.weights[i]!.read().dataSync()), w.name).toBeLessThan(TOLERANCE);
        });
        const state = path.optimizerState();
        const reference = await optimizer.getWeights();
        // tf.train: iter, then each slot kind for every variable; seedsweep's extras come last.
        expect(state.filter((a) => !a.name.startsWith('seedsweep:')).map((a) => a.name)).toEqual(
          reference.map((r) => r.name),
        );
        expect(state[0]!.data[0]).toBe(STEPS);
        expect(state.slice(1, 1 + slots.length * 2).map((a) => a.name.split('/').at(-1))).toEqual(
          slots.flatMap((s) => [s, s]),
        );
        reference.slice(1).forEach((r, i) => {
          expect(relativeL2(state[i + 1]!.data, r.tensor.dataSync()), r.name).toBeLessThan(TOLERANCE);
        });
      } finally {
        path.dispose();
        optimizer.dispose();
      }
    },
  );

  it("centred RMSProp applies TensorFlow's rule, √(ms − mg² + ε)", () => {
    const spec = { learningRate: 0.01, decay: 0.9, momentum: 0.3, epsilon: 1e-7 };
    const m = model();
    const path = compile(m, { name: 'rmsprop', ...spec, centered: true });
    const step = centeredRmsPropReference(m, spec);
    try {
      expect(path.optimizerIdentity).toBe(
        'rmsprop(learningRate=0.01,decay=0.9,momentum=0.3,epsilon=1e-7,centered=true)',
      );
      for (let s = 0; s < STEPS; s++) {
        path.trainBatch(batch(s));
        step(batch(s));
      }
      path
        .weights()
        .forEach((w, i) =>
          expect(relativeL2(w.data, m.weights[i]!.read().dataSync()), w.name).toBeLessThan(TOLERANCE),
        );
      expect(path.optimizerState().map((a) => a.name.split('/').at(-1))).toEqual([
        'iter',
        'rms',
        'rms',
        'momentum',
        'momentum',
        'mg',
        'mg',
      ]);
    } finally {
      path.dispose();
    }
  });

  it("resumes from tf.train's own Adam state (β powers recomputed as tf.train's setWeights does)", async () => {
    const m = model();
    const optimizer = referenceOptimizer({ name: 'adam', learningRate: 0.01 });
    try {
      for (let s = 0; s < 3; s++)
        tf.tidy(() => {
          optimizer.minimize(() => mseLoss(m, batch(s)));
        });
      const weights = m.weights.map((w) => ({
        name: w.name,
        shape: [...w.shape] as number[],
        data: w.read().dataSync() as Float32Array,
      }));
      const state = (await optimizer.getWeights()).map((r) => ({
        name: r.name,
        shape: [...r.tensor.shape],
        data: r.tensor.dataSync() as Float32Array | Int32Array,
      }));
      const path = compile(model(), { name: 'adam', learningRate: 0.01 });
      try {
        path.restore(weights, state);
        for (let s = 3; s < STEPS; s++) {
          path.trainBatch(batch(s));
          tf.tidy(() => {
            optimizer.minimize(() => mseLoss(m, batch(s)));
          });
        }
        path
          .weights()
          .forEach((w, i) =>
            expect(relativeL2(w.data, m.weights[i]!.read().dataSync()), w.name).toBeLessThan(TOLERANCE),
          );
      } finally {
        path.dispose();
      }
    } finally {
      optimizer.dispose();
    }
  });

  it('refuses a state of another optimiser or model', () => {
    const path = compile(model(), { name: 'adam', learningRate: 0.01 });
    try {
      const weights = path.weights();
      expect(() => path.restore(weights, [{ name: 'iter', shape: [], data: Int32Array.of(2) }])).toThrow(
        'optimiser state has 0 slot arrays; adam(learningRate=0.01,beta1=0.9,beta2=0.999,epsilon=1e-7) keeps 4 for 2 trainable weights.',
      );
      expect(() => path.restore(weights.slice(1), [])).toThrow(
        'the checkpoint has 1 weights; the model has 2.',
      );
    } finally {
      path.dispose();
    }
  });
});
