/**
 * Adam in one pass per variable, bit-identical to `tf.train.adam(lr)` (β1 0.9, β2 0.999, ε 1e-7):
 * the same float32 operations in the same order, β1^t and β2^t kept as running float32 products.
 */
import * as tf from '../backends/tfjs.js';
import { UserError } from '../../core/common/errors.js';
import type { CheckpointArray } from '../runner/checkpoint.js';
import type { FusedOptimizer } from './optimizer.js';
import { iterationsEntry, readIterations, SlotSet, splitSlots } from './slots.js';
import { activeWasmBackend, computeTensor, emscripten, heapPointer } from './tensor-memory.js';
import { simdAdamUpdate } from './wasm-simd.js';

const f32 = Math.fround;

/**
 * The update of one variable, in tf.train.adam's operation order. A top-level function with
 * fixed argument types, so V8 optimises it once for every variable and step.
 */
function adamUpdate(
  out: Float32Array,
  g: Float32Array,
  value: Float32Array,
  m: Float32Array,
  v: Float32Array,
  beta1: number,
  beta2: number,
  oneMinusBeta1: number,
  oneMinusBeta2: number,
  oneMinusAccBeta1: number,
  oneMinusAccBeta2: number,
  epsilon: number,
  negLearningRate: number,
): void {
  const n = out.length;
  for (let j = 0; j < n; j++) {
    const gj = g[j]!;
    const mj = f32(f32(m[j]! * beta1) + f32(gj * oneMinusBeta1));
    const vj = f32(f32(v[j]! * beta2) + f32(f32(gj * gj) * oneMinusBeta2));
    m[j] = mj;
    v[j] = vj;
    const mHat = f32(mj / oneMinusAccBeta1);
    const vHat = f32(vj / oneMinusAccBeta2);
    const step = f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + epsilon)) * negLearningRate);
    out[j] = f32(step + value[j]!);
  }
}

/** Options of {@link FusedAdam}. */
export interface FusedAdamOptions {
  /** Step size. */
  learningRate: number;
  /** @default 0.9 */
  beta1?: number;
  /** @default 0.999 */
  beta2?: number;
  /** @default 1e-7 (TF.js' float32 backend epsilon) */
  epsilon?: number;
}

export class FusedAdam implements FusedOptimizer {
  readonly className = 'Adam';
  iterations = 0;
  private readonly negLearningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly oneMinusBeta1: number;
  private readonly oneMinusBeta2: number;
  private readonly epsilon: number;
  /** β1^(t+1) and β2^(t+1) as float32 running products (tf.train.adam's accBeta1/2). */
  private accBeta1: number;
  private accBeta2: number;
  private readonly m = new SlotSet('m');
  private readonly v = new SlotSet('v');

  constructor(options: FusedAdamOptions) {
    const beta1 = options.beta1 ?? 0.9;
    const beta2 = options.beta2 ?? 0.999;
    // Each constant as TF.js turns a JS number into a float32 scalar tensor.
    this.negLearningRate = f32(-options.learningRate);
    this.beta1 = f32(beta1);
    this.beta2 = f32(beta2);
    this.oneMinusBeta1 = f32(1 - beta1);
    this.oneMinusBeta2 = f32(1 - beta2);
    this.epsilon = f32(options.epsilon ?? 1e-7);
    this.accBeta1 = f32(beta1);
    this.accBeta2 = f32(beta2);
  }

  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    const { beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, negLearningRate } = this;
    const oneMinusAccBeta1 = f32(1 - this.accBeta1);
    const oneMinusAccBeta2 = f32(1 - this.accBeta2);
    variables.forEach((variable, i) => {
      const gradient = gradients[i];
      if (gradient === undefined) throw new Error(`no gradient for variable ${variable.name}.`);
      const wasm = activeWasmBackend();
      const simd = wasm && simdAdamUpdate(wasm);
      let next: tf.Tensor;
      if (
        wasm !== undefined &&
        simd !== undefined &&
        gradient.dtype === 'float32' &&
        variable.dtype === 'float32'
      ) {
        // SIMD over the heap, where the slots live too; the last size % 4 values take the scalar loop.
        const mPointer = this.m.pointer(i, variable, wasm);
        const vPointer = this.v.pointer(i, variable, wasm);
        const info = wasm.makeOutput(variable.shape, 'float32');
        const [out, g, value] = [info, gradient, variable].map((t) => heapPointer(wasm, t)) as [
          number,
          number,
          number,
        ];
        const size = variable.size;
        const vectorised = size - (size % 4);
        simd(
          out,
          g,
          value,
          mPointer,
          vPointer,
          vectorised * 4,
          beta1,
          beta2,
          oneMinusBeta1,
          oneMinusBeta2,
          oneMinusAccBeta1,
          oneMinusAccBeta2,
          epsilon,
          negLearningRate,
        );
        if (vectorised < size) {
          const heap = emscripten(wasm).HEAPF32.buffer;
          const view = (pointer: number) =>
            new Float32Array(heap, pointer + vectorised * 4, size - vectorised);
          adamUpdate(
            view(out),
            view(g),
            view(value),
            view(mPointer),
            view(vPointer),
            beta1,
            beta2,
            oneMinusBeta1,
            oneMinusBeta2,
            oneMinusAccBeta1,
            oneMinusAccBeta2,
            epsilon,
            negLearningRate,
          );
        }
        next = tf.engine().makeTensorFromTensorInfo(info, wasm);
      } else {
        const m = this.m.array(i, variable);
        const v = this.v.array(i, variable);
        next = computeTensor(variable.shape, [gradient, variable], (out, [g, value]) =>
          adamUpdate(
            out,
            g!,
            value!,
            m,
            v,
            beta1,
            beta2,
            oneMinusBeta1,
            oneMinusBeta2,
            oneMinusAccBeta1,
            oneMinusAccBeta2,
            epsilon,
            negLearningRate,
          ),
        );
      }
      variable.assign(next);
      next.dispose();
    });
    this.accBeta1 = f32(this.accBeta1 * beta1);
    this.accBeta2 = f32(this.accBeta2 * beta2);
    this.iterations += 1;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }

  getState(): CheckpointArray[] {
    return [
      iterationsEntry(this.iterations),
      ...this.m.save(),
      ...this.v.save(),
      { name: 'seedsweep:accBeta1', shape: [], data: Float32Array.of(this.accBeta1) },
      { name: 'seedsweep:accBeta2', shape: [], data: Float32Array.of(this.accBeta2) },
    ];
  }

  setState(arrays: readonly CheckpointArray[]): void {
    this.iterations = readIterations(arrays);
    const [m = [], v = []] = splitSlots(arrays, 2);
    this.m.load(m);
    this.v.load(v);
    const extra = (name: string) => arrays.find((a) => a.name === `seedsweep:${name}`)?.data[0];
    const acc1 = extra('accBeta1');
    const acc2 = extra('accBeta2');
    if (acc1 === undefined || acc2 === undefined) {
      throw new UserError(
        'E_CHECKPOINT_CORRUPT',
        'Adam state lacks its β powers (seedsweep:accBeta1/accBeta2); the checkpoint cannot resume exactly.',
      );
    }
    this.accBeta1 = acc1;
    this.accBeta2 = acc2;
  }
}
