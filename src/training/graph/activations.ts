/**
 * TF.js activations as TensorFlow ops, formula for formula (tfjs-layers' activations.js): one op where
 * TensorFlow has the same function (Relu, Elu, Selu, Softplus, Softsign, Sigmoid, Tanh, Softmax,
 * LogSoftmax), TF.js' own composition otherwise (hardSigmoid, swish, mish, gelu, gelu_new). Every op
 * used has a registered C++ gradient.
 */
import type { GraphOps } from './ops.js';

type Emit = (ops: GraphOps, x: string) => string;

const ACTIVATIONS: Record<string, Emit> = {
  linear: (_ops, x) => x,
  relu: (ops, x) => ops.unary('Relu', x),
  // TF.js: minimum(6, relu(x)); Relu6 is the same function (its gradient differs only at x = 6 exactly).
  relu6: (ops, x) => ops.unary('Relu6', x),
  elu: (ops, x) => ops.unary('Elu', x), // TF.js supports alpha = 1 only, which Elu is
  selu: (ops, x) => ops.unary('Selu', x),
  sigmoid: (ops, x) => ops.unary('Sigmoid', x),
  tanh: (ops, x) => ops.unary('Tanh', x),
  softplus: (ops, x) => ops.unary('Softplus', x),
  softsign: (ops, x) => ops.unary('Softsign', x), // x / (|x| + 1)
  softmax: (ops, x) => ops.unary('Softmax', x), // over the last axis, as TF.js' default
  logSoftmax: (ops, x) => ops.unary('LogSoftmax', x),
  // clip(0.2 x + 0.5, 0, 1)
  hardSigmoid: (ops, x) => ops.clip(ops.add(ops.mul(x, ops.scalar(0.2)), ops.scalar(0.5)), 0, 1),
  // sigmoid(x) · x
  swish: (ops, x) => ops.mul(ops.unary('Sigmoid', x), x),
  // x · tanh(softplus(x))
  mish: (ops, x) => ops.mul(x, ops.unary('Tanh', ops.unary('Softplus', x))),
  // x · 0.5 (1 + erf(x / √2))
  gelu: (ops, x) =>
    ops.mul(
      x,
      ops.mul(ops.scalar(0.5), ops.add(ops.scalar(1), ops.unary('Erf', ops.div(x, ops.scalar(Math.SQRT2))))),
    ),
  // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
  gelu_new: (ops, x) => {
    const cube = ops.binary('Pow', x, ops.scalar(3));
    const inner = ops.mul(
      ops.scalar(Math.sqrt(2 / Math.PI)),
      ops.add(x, ops.mul(ops.scalar(0.044715), cube)),
    );
    return ops.mul(ops.scalar(0.5), ops.mul(x, ops.add(ops.scalar(1), ops.unary('Tanh', inner))));
  },
};

/** True when {@link emitActivation} knows `name`. */
export function hasGraphActivation(name: string): boolean {
  return Object.hasOwn(ACTIVATIONS, name);
}

/** Applies activation `name` (e.g. `relu`, `gelu_new`) to `x`; the caller checked {@link hasGraphActivation}. */
export function emitActivation(ops: GraphOps, name: string, x: string): string {
  const emit = ACTIVATIONS[name];
  if (emit === undefined) throw new Error(`emitActivation: no graph form for activation '${name}'`);
  return name === 'linear' ? x : emit(ops.in(name), x);
}
