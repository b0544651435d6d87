/**
 * Compiles a TF.js layers classifier (a Sequential of Conv2D, MaxPooling2D, Flatten and Dense layers,
 * softmax last; the study's `fc` and `cnn`) into ONE TensorFlow training graph: forward pass,
 * sparse softmax cross-entropy on the logits, the backward pass written out op by op (the gradient
 * ops Keras' graph would contain: ReluGrad, BiasAddGrad, Conv2DBackprop*, MaxPoolGrad) and the
 * optimiser's fused update (ResourceApplyAdam / RMSProp / GradientDescent). The session then runs
 * a step as one call, optimised by grappler and oneDNN like a Keras `tf.function`.
 *
 * Why hand-written gradients: the layer set is small and fixed, and spelling them out keeps the
 * graph independent of which C++ gradient functions a libtensorflow build registers.
 *
 * Node names the trainer uses are in {@link ClassifierGraph}.
 */
import type * as tf from '@tensorflow/tfjs';
import { OptimizerName } from '../types.js';
import { GraphBuilder } from './builder.js';
import { attr, DataType } from './proto.js';

/** A layer the compiler understands; anything else makes {@link compileClassifier} return a reason. */
type LayerPlan =
  | { kind: 'dense'; units: number; activation: 'relu' | 'linear' | 'softmax'; bias: boolean }
  | {
      kind: 'conv2d';
      kernel: [number, number];
      strides: [number, number];
      padding: 'VALID' | 'SAME';
      activation: 'relu' | 'linear';
      bias: boolean;
    }
  | { kind: 'maxpool'; pool: [number, number]; strides: [number, number]; padding: 'VALID' | 'SAME' }
  | { kind: 'flatten' };

/** Names of the compiled graph's entry points. */
export interface ClassifierGraph {
  graphDef: Uint8Array;
  /** Feeds: images [B, H, W, C] float, labels [B] int32, 1/B, and the step's β powers (Adam). */
  feeds: { images: string; labels: string; inverseBatch: string; beta1Power: string; beta2Power: string };
  /** Summed cross-entropy and number of correct predictions of the fed batch. */
  lossSum: string;
  correct: string;
  /** Target that applies one optimiser step. */
  train: string;
  /** Per trainable weight, in `model.trainableWeights` order: its read and its assign (fed by `value`). */
  weights: VariableNodes[];
  /** Optimiser slots (Adam: m then v per weight; RMSProp: ms then mom per weight; SGD: none). */
  slots: VariableNodes[];
  /** Target that runs every assign at once (feed all `value`s). */
  assignAll: string;
}

export interface VariableNodes {
  read: string;
  value: string;
  assign: string;
  shape: number[];
}

/** Optimiser settings of the graph (tf.train / Keras defaults for the rest). */
export interface GraphOptimizer {
  optimizer: OptimizerName;
  learningRate: number;
}

function pair(value: number | number[] | undefined, fallback: number): [number, number] {
  if (value === undefined) return [fallback, fallback];
  return typeof value === 'number' ? [value, value] : [value[0]!, value[1] ?? value[0]!];
}

function padding(value: unknown): 'VALID' | 'SAME' | undefined {
  return value === 'valid' ? 'VALID' : value === 'same' ? 'SAME' : undefined;
}

/** The plan of each layer, or why the model cannot be compiled. */
export function planLayers(model: tf.LayersModel): { plans: LayerPlan[] } | { reason: string } {
  const plans: LayerPlan[] = [];
  for (const layer of model.layers) {
    const config = layer.getConfig() as Record<string, unknown>;
    const name = layer.getClassName();
    const activation = (config['activation'] ?? 'linear') as string;
    if (name === 'Flatten') {
      plans.push({ kind: 'flatten' });
    } else if (name === 'Dense' && ['relu', 'linear', 'softmax'].includes(activation)) {
      plans.push({
        kind: 'dense',
        units: config['units'] as number,
        activation: activation as 'relu' | 'linear' | 'softmax',
        bias: config['useBias'] !== false,
      });
    } else if (
      name === 'Conv2D' &&
      ['relu', 'linear'].includes(activation) &&
      padding(config['padding']) &&
      (config['dataFormat'] ?? 'channelsLast') === 'channelsLast' &&
      pair(config['dilationRate'] as number[] | undefined, 1).every((d) => d === 1)
    ) {
      plans.push({
        kind: 'conv2d',
        kernel: pair(config['kernelSize'] as number[], 1),
        strides: pair(config['strides'] as number[] | undefined, 1),
        padding: padding(config['padding'])!,
        activation: activation as 'relu' | 'linear',
        bias: config['useBias'] !== false,
      });
    } else if (name === 'MaxPooling2D' && padding(config['padding'])) {
      const pool = pair(config['poolSize'] as number[] | undefined, 2);
      plans.push({
        kind: 'maxpool',
        pool,
        strides: (config['strides'] as [number, number] | null | undefined) ?? pool,
        padding: padding(config['padding'])!,
      });
    } else {
      return { reason: `layer ${layer.name} (${name}, activation ${activation}) has no graph form` };
    }
  }
  const last = plans.at(-1);
  if (last?.kind !== 'dense' || last.activation !== 'softmax') {
    return { reason: 'the last layer is not a softmax Dense layer' };
  }
  return { plans };
}

/** Builds the training graph of `model`; `container` keeps its variables apart from other sessions'. */
export function compileClassifier(
  model: tf.LayersModel,
  optimizer: GraphOptimizer,
  container: string,
): ClassifierGraph | { reason: string } {
  const planned = planLayers(model);
  if ('reason' in planned) return planned;
  const g = new GraphBuilder();
  const float = attr.type(DataType.float);
  const inputShape = model.inputs[0]!.shape.map((d) => d ?? -1);
  const images = g.placeholder('images', DataType.float, inputShape);
  const labels = g.placeholder('labels', DataType.int32, [-1]);
  const inverseBatch = g.placeholder('inverse_batch', DataType.float, []);
  const beta1Power = g.placeholder('beta1_power', DataType.float, []);
  const beta2Power = g.placeholder('beta2_power', DataType.float, []);

  const assigns: string[] = [];
  const variable = (name: string, shape: number[]): VariableNodes & { handle: string } => {
    const handle = g.op('VarHandleOp', name, [], {
      dtype: float,
      shape: attr.shape(shape),
      container: attr.string(container),
      shared_name: attr.string(name),
    });
    const value = g.placeholder(`${name}/value`, DataType.float, shape);
    const assign = g.op('AssignVariableOp', `${name}/assign`, [handle, value], { dtype: float });
    assigns.push(assign);
    const read = g.op('ReadVariableOp', `${name}/read`, [handle], { dtype: float });
    return { handle, read, value, assign, shape };
  };

  const weights: (VariableNodes & { handle: string })[] = model.trainableWeights.map((w, i) =>
    variable(`w${i}`, [...w.shape] as number[]),
  );
  let nextWeight = 0;
  const takeWeight = () => {
    const w = weights[nextWeight++];
    if (!w) throw new Error('compileClassifier: the model has fewer weights than its layers use');
    return w;
  };

  // Forward pass, remembering what each layer's gradient needs.
  type Saved = { plan: LayerPlan; input: string; output: string; kernel?: string; bias?: string };
  const saved: Saved[] = [];
  let a = images;
  planned.plans.forEach((plan, index) => {
    const input = a;
    const entry: Saved = { plan, input, output: input };
    const act = (z: string, activation: string) =>
      activation === 'relu' ? g.op('Relu', `relu${index}`, [z], { T: float }) : z;
    if (plan.kind === 'flatten') {
      const size = (model.layers[index]!.outputShape as number[])[1]!;
      a = g.op('Reshape', `flatten${index}`, [input, g.ints(`flatten${index}/shape`, [-1, size])], {
        T: float,
        Tshape: attr.type(DataType.int32),
      });
    } else if (plan.kind === 'maxpool') {
      a = g.op('MaxPool', `maxpool${index}`, [input], {
        T: float,
        ksize: attr.ints([1, ...plan.pool, 1]),
        strides: attr.ints([1, ...plan.strides, 1]),
        padding: attr.string(plan.padding),
        data_format: attr.string('NHWC'),
      });
    } else {
      const kernel = takeWeight();
      const bias = plan.bias ? takeWeight() : undefined;
      entry.kernel = kernel.read;
      entry.bias = bias?.read;
      let z =
        plan.kind === 'dense'
          ? g.op('MatMul', `dense${index}`, [input, kernel.read], {
              T: float,
              transpose_a: attr.bool(false),
              transpose_b: attr.bool(false),
            })
          : g.op('Conv2D', `conv${index}`, [input, kernel.read], {
              T: float,
              strides: attr.ints([1, ...plan.strides, 1]),
              padding: attr.string(plan.padding),
              data_format: attr.string('NHWC'),
              dilations: attr.ints([1, 1, 1, 1]),
              use_cudnn_on_gpu: attr.bool(true),
            });
      if (bias)
        z = g.op('BiasAdd', `bias${index}`, [z, bias.read], { T: float, data_format: attr.string('NHWC') });
      a = plan.activation === 'softmax' ? z : act(z, plan.activation); // softmax: `a` stays the logits
    }
    entry.output = a;
    saved.push(entry);
  });

  // Loss on the logits: per-image cross-entropy and its gradient in one op.
  const xent = g.op('SparseSoftmaxCrossEntropyWithLogits', 'xent', [a, labels], {
    T: float,
    Tlabels: attr.type(DataType.int32),
  });
  const lossSum = g.op('Sum', 'loss_sum', [xent, g.ints('loss_sum/axis', [0])], {
    T: float,
    Tidx: attr.type(DataType.int32),
    keep_dims: attr.bool(false),
  });
  const predicted = g.op('ArgMax', 'predicted', [a, g.constant('predicted/axis', Int32Array.of(1), [])], {
    T: float,
    Tidx: attr.type(DataType.int32),
    output_type: attr.type(DataType.int32),
  });
  const hits = g.op('Equal', 'hits', [predicted, labels], {
    T: attr.type(DataType.int32),
    incompatible_shape_error: attr.bool(true),
  });
  const hitsFloat = g.op('Cast', 'hits_float', [hits], {
    SrcT: attr.type(DataType.bool),
    DstT: float,
    Truncate: attr.bool(false),
  });
  const correct = g.op('Sum', 'correct', [hitsFloat, g.ints('correct/axis', [0])], {
    T: float,
    Tidx: attr.type(DataType.int32),
    keep_dims: attr.bool(false),
  });

  // Backward pass: the mean loss's gradient flows back through the layers.
  let grad = g.binary('Mul', 'grad_logits', `${xent}:1`, inverseBatch);
  const weightGrads = new Map<string, string>();
  const firstWeighted = saved.findIndex((s) => s.kernel !== undefined);
  for (let index = saved.length - 1; index >= 0; index--) {
    const { plan, input, output, kernel, bias } = saved[index]!;
    const needInputGrad = index > firstWeighted;
    if (plan.kind === 'flatten') {
      const shape = g.op('Shape', `grad${index}/shape`, [input], {
        T: float,
        out_type: attr.type(DataType.int32),
      });
      grad = g.op('Reshape', `grad${index}/reshape`, [grad, shape], {
        T: float,
        Tshape: attr.type(DataType.int32),
      });
    } else if (plan.kind === 'maxpool') {
      grad = g.op('MaxPoolGrad', `grad${index}/maxpool`, [input, output, grad], {
        T: float,
        ksize: attr.ints([1, ...plan.pool, 1]),
        strides: attr.ints([1, ...plan.strides, 1]),
        padding: attr.string(plan.padding),
        data_format: attr.string('NHWC'),
      });
    } else {
      if (plan.activation === 'relu') {
        grad = g.op('ReluGrad', `grad${index}/relu`, [grad, output], { T: float });
      }
      if (bias !== undefined) {
        weightGrads.set(
          bias,
          g.op('BiasAddGrad', `grad${index}/bias`, [grad], { T: float, data_format: attr.string('NHWC') }),
        );
      }
      if (plan.kind === 'dense') {
        weightGrads.set(
          kernel!,
          g.op('MatMul', `grad${index}/kernel`, [input, grad], {
            T: float,
            transpose_a: attr.bool(true),
            transpose_b: attr.bool(false),
          }),
        );
        if (needInputGrad) {
          grad = g.op('MatMul', `grad${index}/input`, [grad, kernel!], {
            T: float,
            transpose_a: attr.bool(false),
            transpose_b: attr.bool(true),
          });
        }
      } else {
        const convAttrs = {
          T: float,
          strides: attr.ints([1, ...plan.strides, 1]),
          padding: attr.string(plan.padding),
          data_format: attr.string('NHWC'),
          dilations: attr.ints([1, 1, 1, 1]),
          use_cudnn_on_gpu: attr.bool(true),
        };
        const kernelShape = weights.find((w) => w.read === kernel)!.shape;
        weightGrads.set(
          kernel!,
          g.op(
            'Conv2DBackpropFilter',
            `grad${index}/kernel`,
            [input, g.ints(`grad${index}/kernel_shape`, kernelShape), grad],
            convAttrs,
          ),
        );
        if (needInputGrad) {
          const shape = g.op('Shape', `grad${index}/input_shape`, [input], {
            T: float,
            out_type: attr.type(DataType.int32),
          });
          grad = g.op('Conv2DBackpropInput', `grad${index}/input`, [shape, kernel!, grad], convAttrs);
        }
      }
    }
  }

  // Optimiser: TensorFlow's fused update per weight, with Keras' / tf.train's default constants.
  const slots: (VariableNodes & { handle: string })[] = [];
  const updates: string[] = [];
  const lr = g.scalar('learning_rate', optimizer.learningRate);
  weights.forEach((w, i) => {
    const gradient = weightGrads.get(w.read);
    if (gradient === undefined) throw new Error(`compileClassifier: weight ${i} got no gradient`);
    const base = { T: float, use_locking: attr.bool(false) };
    switch (optimizer.optimizer) {
      case OptimizerName.adam: {
        const m = variable(`w${i}/m`, w.shape);
        const v = variable(`w${i}/v`, w.shape);
        slots.push(m, v);
        updates.push(
          g.op(
            'ResourceApplyAdam',
            `w${i}/adam`,
            [
              w.handle,
              m.handle,
              v.handle,
              beta1Power,
              beta2Power,
              lr,
              g.scalar(`w${i}/beta1`, 0.9),
              g.scalar(`w${i}/beta2`, 0.999),
              g.scalar(`w${i}/epsilon`, 1e-7),
              gradient,
            ],
            { ...base, use_nesterov: attr.bool(false) },
          ),
        );
        break;
      }
      case OptimizerName.rmsprop: {
        const ms = variable(`w${i}/ms`, w.shape);
        const mom = variable(`w${i}/mom`, w.shape);
        slots.push(ms, mom);
        updates.push(
          g.op(
            'ResourceApplyRMSProp',
            `w${i}/rmsprop`,
            [
              w.handle,
              ms.handle,
              mom.handle,
              lr,
              g.scalar(`w${i}/rho`, 0.9),
              g.scalar(`w${i}/momentum`, 0),
              g.scalar(`w${i}/epsilon`, 1e-7),
              gradient,
            ],
            base,
          ),
        );
        break;
      }
      case OptimizerName.sgd:
        updates.push(g.op('ResourceApplyGradientDescent', `w${i}/sgd`, [w.handle, lr, gradient], base));
        break;
    }
  });
  const train = g.group('train', updates);
  const assignAll = g.group('assign_all', assigns);
  const strip = ({ read, value, assign, shape }: VariableNodes) => ({ read, value, assign, shape });
  return {
    graphDef: g.toGraphDef(),
    feeds: { images, labels, inverseBatch, beta1Power, beta2Power },
    lossSum,
    correct,
    train,
    weights: weights.map(strip),
    slots: slots.map(strip),
    assignAll,
  };
}
