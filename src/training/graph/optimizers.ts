/**
 * Optimisers of the graph path: tf.train's update rules (TF.js), emitted per trainable weight as
 * TensorFlow's fused `ResourceApply*` ops where one computes the same rule, from primitive ops where
 * none does. Their state (slots) lives in graph variables; its checkpoint layout is tf.train's
 * `getWeights` (`iter`, then each slot kind for every weight in order) plus `seedsweep:` extras, as
 * the eager path's fused optimisers (src/training/optimizers) write it.
 *
 * How each rule is met (m, v, … the slots; g the gradient; t the step, 1-based):
 * - sgd: ResourceApplyGradientDescent, w −= lr·g: tf.train.sgd exactly.
 * - sgd with momentum (tf.train.momentum): ResourceApplyMomentum, a = μa + g; w −= lr·a (Nesterov:
 *   w −= lr·(g + μa)): the same rule, rounding aside.
 * - adam: tf.train.adam is w −= lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ); ResourceApplyAdam
 *   computes w −= lr·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v + ε′), which is the same rule when ε′ = ε·√(1−β2ᵗ):
 *   ε′ is fed per step. β1ᵗ and β2ᵗ are float32 running products as tf.train keeps them. One
 *   rounding differs: the kernel moves v by (g² − v)(1 − β2) with 1 − β2 taken from float32 β2
 *   (0.00099998712 for 0.999), TF.js by float32(1 − β2) = 0.001: v differs by 1.3e-5 relative, the
 *   step by half that (tests/unit/training/graph/optimizers.test.ts allows 5e-5).
 * - rmsprop: ResourceApplyRMSProp, ms = ρms + (1−ρ)g²; mom = μ·mom + lr·g/√(ms + ε); w −= mom: the
 *   same rule. Centred: ResourceApplyCenteredRMSProp divides by √(ms − mg² + ε), TensorFlow's and
 *   Keras' rule; tf.train.rmsprop subtracts ε there (√(ms − mg² − ε), NaN once the variance estimate
 *   falls below ε), so the two differ by ε relative to the variance estimate.
 * - adagrad: no fused op has tf.train's placement of ε (w −= lr·g/√(acc + ε), ε = 1e-7), so it is
 *   built from primitive ops: acc += g²; w −= lr·g/√(acc + ε).
 */
import { UserError } from '../../core/common/errors.js';
import type { CheckpointArray } from '../runner/checkpoint.js';
import { completeOptimizerSpec, optimizerIdentity } from '../optimizers/from-spec.js';
import type { OptimizerSpec } from '../training-path.js';
import type { Feed } from './native.js';
import type { GraphOps } from './ops.js';
import { attr, DataType } from './proto.js';

/** TF.js' float32 backend epsilon, tf.train's default. */
const BACKEND_EPSILON = 1e-7;
const f32 = Math.fround;
const FLOAT = attr.type(DataType.float);

/** One kind of per-weight state, e.g. Adam's `m`. */
export interface SlotKind {
  /** Name suffix in checkpoints, as tf.train writes it (`<weight>/m`). */
  suffix: string;
  /** Value at the first step. */
  initial: number;
}

/** The handles an update works on. */
export interface UpdateTarget {
  /** The weight's VarHandleOp. */
  weight: string;
  gradient: string;
  /** One VarHandleOp per slot kind, in {@link GraphOptimizer.slotKinds} order. */
  slots: readonly string[];
}

/** An optimiser's graph form and its step-to-step state outside the graph. */
export interface GraphOptimizer {
  /** Name and every hyper-parameter, e.g. `adam(learningRate=0.001,beta1=0.9,beta2=0.999,epsilon=1e-7)`. */
  readonly identity: string;
  readonly slotKinds: readonly SlotKind[];
  /** Adds the per-step inputs (placeholders) the updates use; call once before {@link emitUpdate}. */
  declareInputs(ops: GraphOps): void;
  /** The update op of one weight. */
  emitUpdate(ops: GraphOps, target: UpdateTarget): string;
  /** Feeds of the next step (e.g. Adam's β powers). */
  stepFeeds(): Feed[];
  /** Advances the state outside the graph after a step. */
  afterStep(): void;
  /** State beyond `iter` and the slots that exact resumption needs (`seedsweep:` entries). */
  extras(): CheckpointArray[];
  /** Restores that state for a run that has taken `iterations` steps. */
  restoreExtras(iterations: number, arrays: readonly CheckpointArray[]): void;
}

const base = { T: FLOAT, use_locking: attr.bool(false) };

/** An optimiser whose whole state is in the graph: nothing fed, nothing kept outside. */
function stateless(
  spec: OptimizerSpec,
  slotKinds: SlotKind[],
  emit: (ops: GraphOps, target: UpdateTarget) => string,
): GraphOptimizer {
  return {
    identity: optimizerIdentity(spec),
    slotKinds,
    declareInputs: () => undefined,
    emitUpdate: emit,
    stepFeeds: () => [],
    afterStep: () => undefined,
    extras: () => [],
    restoreExtras: () => undefined,
  };
}

type Complete<Name extends OptimizerSpec['name']> = Required<Extract<OptimizerSpec, { name: Name }>>;

class AdamGraphOptimizer implements GraphOptimizer {
  readonly identity: string;
  readonly slotKinds: SlotKind[] = [
    { suffix: 'm', initial: 0 },
    { suffix: 'v', initial: 0 },
  ];
  /** β1ᵗ and β2ᵗ of the next step t, float32 running products (tf.train.adam's accBeta1/2). */
  private accBeta1: number;
  private accBeta2: number;
  private inputs:
    { beta1Power: string; beta2Power: string; epsilon: string; constants: string[] } | undefined;

  constructor(private readonly spec: Complete<'adam'>) {
    this.identity = optimizerIdentity(spec);
    this.accBeta1 = f32(spec.beta1);
    this.accBeta2 = f32(spec.beta2);
  }

  declareInputs(ops: GraphOps): void {
    this.inputs = {
      beta1Power: ops.placeholder('beta1_power', DataType.float, []),
      beta2Power: ops.placeholder('beta2_power', DataType.float, []),
      epsilon: ops.placeholder('epsilon_hat', DataType.float, []),
      constants: [
        ops.scalar(this.spec.learningRate, 'learning_rate'),
        ops.scalar(this.spec.beta1, 'beta1'),
        ops.scalar(this.spec.beta2, 'beta2'),
      ],
    };
  }

  emitUpdate(ops: GraphOps, target: UpdateTarget): string {
    const { beta1Power, beta2Power, epsilon, constants } = this.inputs!;
    const [m, v] = target.slots;
    return ops.op(
      'ResourceApplyAdam',
      [target.weight, m!, v!, beta1Power, beta2Power, ...constants, epsilon, target.gradient],
      { ...base, use_nesterov: attr.bool(false) },
    );
  }

  stepFeeds(): Feed[] {
    const { beta1Power, beta2Power, epsilon } = this.inputs!;
    return [
      [beta1Power, DataType.float, [], Float32Array.of(this.accBeta1)],
      [beta2Power, DataType.float, [], Float32Array.of(this.accBeta2)],
      [epsilon, DataType.float, [], Float32Array.of(this.spec.epsilon * Math.sqrt(1 - this.accBeta2))],
    ];
  }

  afterStep(): void {
    this.accBeta1 = f32(this.accBeta1 * f32(this.spec.beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(this.spec.beta2));
  }

  extras(): CheckpointArray[] {
    return [
      { name: 'seedsweep:accBeta1', shape: [], data: Float32Array.of(this.accBeta1) },
      { name: 'seedsweep:accBeta2', shape: [], data: Float32Array.of(this.accBeta2) },
    ];
  }

  restoreExtras(iterations: number, arrays: readonly CheckpointArray[]): void {
    // Without the extras (a tf.train checkpoint), tf.train's own setWeights rule: β^(iter+1).
    const extra = (name: string) => arrays.find((a) => a.name === `seedsweep:${name}`)?.data[0];
    this.accBeta1 = extra('accBeta1') ?? f32(this.spec.beta1 ** (iterations + 1));
    this.accBeta2 = extra('accBeta2') ?? f32(this.spec.beta2 ** (iterations + 1));
  }
}

/**
 * The graph form of `spec` (tf.train's defaults for what it leaves out; a UserError for a bad one).
 * Identity and slot layout are the eager path's (src/training/optimizers/from-spec.ts).
 */
export function graphOptimizer(spec: OptimizerSpec): GraphOptimizer {
  const s = completeOptimizerSpec(spec);
  switch (s.name) {
    case 'adam':
      return new AdamGraphOptimizer(s);
    case 'sgd': {
      const learningRate = (ops: GraphOps) => ops.scalar(s.learningRate, 'learning_rate');
      if (s.momentum === 0) {
        return stateless(s, [], (ops, t) =>
          ops.op('ResourceApplyGradientDescent', [t.weight, learningRate(ops), t.gradient], base),
        );
      }
      return stateless(s, [{ suffix: 'momentum', initial: 0 }], (ops, t) =>
        ops.op(
          'ResourceApplyMomentum',
          [t.weight, t.slots[0]!, learningRate(ops), t.gradient, ops.scalar(s.momentum, 'momentum')],
          { ...base, use_nesterov: attr.bool(s.nesterov) },
        ),
      );
    }
    case 'rmsprop': {
      const kinds: SlotKind[] = [
        { suffix: 'rms', initial: 0 },
        { suffix: 'momentum', initial: 0 },
        ...(s.centered ? [{ suffix: 'mg', initial: 0 }] : []),
      ];
      return stateless(s, kinds, (ops, t) => {
        const [ms, mom, mg] = t.slots;
        const hyper = [
          ops.scalar(s.learningRate, 'learning_rate'),
          ops.scalar(s.decay, 'rho'),
          ops.scalar(s.momentum, 'momentum'),
          ops.scalar(s.epsilon, 'epsilon'),
        ];
        return s.centered
          ? ops.op('ResourceApplyCenteredRMSProp', [t.weight, mg!, ms!, mom!, ...hyper, t.gradient], base)
          : ops.op('ResourceApplyRMSProp', [t.weight, ms!, mom!, ...hyper, t.gradient], base);
      });
    }
    case 'adagrad':
      return stateless(s, [{ suffix: 'accumulator', initial: s.initialAccumulatorValue }], (ops, t) => {
        const accumulator = t.slots[0]!;
        const read = ops.op('ReadVariableOp', [accumulator], { dtype: FLOAT }, 'accumulator');
        const next = ops.add(read, ops.unary('Square', t.gradient));
        const assign = ops.op(
          'AssignVariableOp',
          [accumulator, next],
          { dtype: FLOAT },
          'assign_accumulator',
        );
        const step = ops.mul(
          ops.div(t.gradient, ops.unary('Sqrt', ops.add(next, ops.scalar(BACKEND_EPSILON, 'epsilon')))),
          ops.scalar(s.learningRate, 'learning_rate'),
        );
        const update = ops.op('AssignSubVariableOp', [t.weight, step], { dtype: FLOAT }, 'apply');
        return ops.op('NoOp', [`^${assign}`, `^${update}`], {}, 'adagrad');
      });
  }
}

/** Checks a restored optimiser state against the layout this optimiser writes. */
export function checkOptimizerState(
  optimizer: GraphOptimizer,
  weights: readonly { name: string; shape: readonly number[] }[],
  arrays: readonly CheckpointArray[],
): { iterations: number; slots: CheckpointArray[] } {
  const [iter, ...rest] = arrays;
  if (iter?.name !== 'iter' || iter.data.length !== 1)
    throw new UserError('E_CHECKPOINT_CORRUPT', "optimiser state does not start with its 'iter' entry.");
  const slots = rest.filter((a) => !a.name.startsWith('seedsweep:'));
  const expected = optimizer.slotKinds.length * weights.length;
  if (slots.length !== expected)
    throw new UserError(
      'E_CHECKPOINT_MISMATCH',
      `optimiser state has ${slots.length} slot arrays; ${optimizer.identity} keeps ${expected} for ${weights.length} trainable weights.`,
    );
  slots.forEach((slot, i) => {
    const weight = weights[i % weights.length]!;
    const size = weight.shape.reduce((a, b) => a * b, 1);
    if (slot.data.length !== size || !(slot.data instanceof Float32Array))
      throw new UserError(
        'E_CHECKPOINT_MISMATCH',
        `optimiser state '${slot.name}' holds ${slot.data.length} values; weight ${weight.name} has ${size} (float32).`,
      );
  });
  return { iterations: Number(iter.data[0]), slots };
}
