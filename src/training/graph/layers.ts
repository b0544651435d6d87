/**
 * Layer converters: the forward pass of each supported TF.js layer as TensorFlow ops, matching
 * tfjs-layers' own `call` (channels-last only). A converter first says whether a call has a graph
 * form (`check`, a reason naming the setting when not), then emits it for training or inference
 * (Dropout and BatchNormalization differ). The backward pass is not written here: TensorFlow's
 * gradient registry derives it from these ops.
 */
import type * as tf from '@tensorflow/tfjs';
import { emitActivation, hasGraphActivation } from './activations.js';
import type { GraphOps, WindowOptions } from './ops.js';
import { attr, DataType } from './proto.js';
import type { LayerCall, StaticShape } from './topology.js';

/** A weight as TF.js layers hold it (`LayerVariable`). */
export type LayerWeight = tf.LayerVariable;

/** What a converter emits into. */
export interface EmitContext {
  ops: GraphOps;
  call: LayerCall;
  config: Record<string, unknown>;
  /** Graph names of the call's inputs. */
  inputs: string[];
  /** Training pass (dropout on, batch statistics) or inference pass. */
  training: boolean;
  /** The read (ReadVariableOp) of a model weight. */
  read(weight: LayerWeight): string;
  /** The resource handle (VarHandleOp) of a model weight, for in-graph updates. */
  handle(weight: LayerWeight): string;
  /** This call's per-step random seed: an int32[2] fed each step (training pass only). */
  stepSeed(): string;
  /** Registers an op that must run with every training step (batch norm's moving statistics). */
  addUpdate(op: string): void;
}

/** What a call produced. */
export interface EmittedCall {
  outputs: string[];
  /** The pre-activation of a softmax / sigmoid output, for losses computed from logits. */
  logits?: { name: string; activation: 'softmax' | 'sigmoid' };
  /** Dropout in training: the multiplier (mask / keep probability) applied, for diagnostics. */
  mask?: string;
}

interface LayerConverter {
  /** Why this call has no graph form (beyond the common checks), or undefined. */
  check?(call: LayerCall, config: Record<string, unknown>): string | undefined;
  emit(ctx: EmitContext): EmittedCall;
}

const FLOAT = attr.type(DataType.float);

function pair(value: unknown, fallback: number): [number, number] {
  if (value === undefined || value === null) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  const list = value as number[];
  return [list[0]!, list[1] ?? list[0]!];
}

function single(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'number' ? value : (value as number[])[0]!;
}

function padding(value: unknown): 'SAME' | 'VALID' | undefined {
  return value === 'valid' ? 'VALID' : value === 'same' ? 'SAME' : undefined;
}

/** A layer's weight property (`kernel`, `bias`, ...), null when the layer has none (`useBias: false`). */
function weightOf(layer: tf.layers.Layer, property: string): LayerWeight | null {
  const value = (layer as unknown as Record<string, unknown>)[property];
  return value === undefined || value === null ? null : (value as LayerWeight);
}

function requireWeight(layer: tf.layers.Layer, property: string): LayerWeight {
  const weight = weightOf(layer, property);
  if (weight === null) throw new Error(`layer ${layer.name} has no '${property}' weight`);
  return weight;
}

/** The fully known non-batch dimensions of a shape, or undefined. */
function staticDims(shape: StaticShape): number[] | undefined {
  const dims = shape.slice(1);
  return dims.every((d): d is number => typeof d === 'number') ? dims : undefined;
}

function activationName(config: Record<string, unknown>): string {
  const value = config['activation'];
  return typeof value === 'string' ? value : 'linear';
}

/** Bias then activation, remembering the logits of a softmax / sigmoid. */
function finish(ctx: EmitContext, z: string, bias: LayerWeight | null, activation: string): EmittedCall {
  const biased = bias === null ? z : ctx.ops.biasAdd(z, ctx.read(bias));
  const output = emitActivation(ctx.ops, activation, biased);
  return activation === 'softmax' || activation === 'sigmoid'
    ? { outputs: [output], logits: { name: biased, activation } }
    : { outputs: [output] };
}

function onlyInput(ctx: EmitContext): string {
  return ctx.inputs[0]!;
}

const needsStaticShape = (call: LayerCall): string | undefined =>
  staticDims(call.outputShapes[0]!)
    ? undefined
    : `its output shape ${shapeText(call.outputShapes[0]!)} is not fully known`;

export function shapeText(shape: StaticShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

const windowCheck = (call: LayerCall, config: Record<string, unknown>): string | undefined => {
  if (!padding(config['padding'])) return `padding '${String(config['padding'])}' has no graph form`;
  const dilations = pair(config['dilationRate'], 1);
  if (dilations.some((d) => d > 1)) {
    if (pair(config['strides'], 1).some((s) => s > 1)) return 'strides and dilation both above 1';
    if (call.inputShapes[0]!.slice(1, -1).some((d) => d === null))
      return 'a dilated window over a dimension of unknown size';
  }
  return undefined;
};

/** A convolution's window, and the static spatial size of its (NHWC) input. */
interface ConvWindow {
  kernel: [number, number];
  spatial: [number, number];
  strides: [number, number];
  padding: 'SAME' | 'VALID';
  dilations: [number, number];
}

/**
 * Applies a convolution-like op; a dilated one as TensorFlow's `with_space_to_batch` does (tiles
 * the input so the dilated window becomes a dense one, convolves VALID, untiles): the C++ gradients
 * of Conv2D and DepthwiseConv2dNative drop the `dilations` attribute, those of SpaceToBatchND and
 * BatchToSpaceND are exact. Dilation comes with stride 1 only (TF.js refuses both at once).
 */
function windowed(
  ops: GraphOps,
  x: string,
  window: ConvWindow,
  apply: (x: string, w: WindowOptions) => string,
): string {
  const { dilations } = window;
  if (dilations[0] === 1 && dilations[1] === 1) return apply(x, window);
  const paddings: number[] = [];
  const crops: number[] = [];
  for (const axis of [0, 1]) {
    const rate = dilations[axis]!;
    const effective = (window.kernel[axis]! - 1) * rate + 1;
    const start = window.padding === 'SAME' ? Math.floor((effective - 1) / 2) : 0;
    const end = window.padding === 'SAME' ? effective - 1 - start : 0;
    const extra = (rate - ((window.spatial[axis]! + start + end) % rate)) % rate;
    paddings.push(start, end + extra);
    crops.push(0, extra);
  }
  const tiled = ops.spaceToBatch(x, dilations, paddings);
  return ops.batchToSpace(apply(tiled, { strides: [1, 1], padding: 'VALID' }), dilations, crops);
}

/** The window of a 2-D convolution layer call. */
function window2d(ctx: EmitContext): ConvWindow {
  const shape = ctx.call.inputShapes[0]!;
  return {
    kernel: pair(ctx.config['kernelSize'], 1),
    spatial: [shape[1] ?? 0, shape[2] ?? 0],
    strides: pair(ctx.config['strides'], 1),
    padding: padding(ctx.config['padding'])!,
    dilations: pair(ctx.config['dilationRate'], 1),
  };
}

const CONVERTERS: Record<string, LayerConverter> = {
  Dense: {
    check: (call) => (call.inputShapes[0]!.length > 2 ? needsStaticShape(call) : undefined),
    emit(ctx) {
      const { layer } = ctx.call;
      const x = onlyInput(ctx);
      const kernel = ctx.read(requireWeight(layer, 'kernel'));
      const inShape = ctx.call.inputShapes[0]!;
      let z: string;
      if (inShape.length === 2) {
        z = ctx.ops.matMul(x, kernel);
      } else {
        // TF.js' K.dot: fold the leading axes into the batch, multiply, unfold.
        const flat = ctx.ops.reshape(x, [-1, inShape.at(-1)!]);
        z = ctx.ops.reshape(ctx.ops.matMul(flat, kernel), [-1, ...staticDims(ctx.call.outputShapes[0]!)!]);
      }
      return finish(ctx, z, weightOf(layer, 'bias'), activationName(ctx.config));
    },
  },
  Conv2D: {
    check: windowCheck,
    emit(ctx) {
      const { layer } = ctx.call;
      const kernel = ctx.read(requireWeight(layer, 'kernel'));
      const z = windowed(ctx.ops, onlyInput(ctx), window2d(ctx), (x, w) => ctx.ops.conv2d(x, kernel, w));
      return finish(ctx, z, weightOf(layer, 'bias'), activationName(ctx.config));
    },
  },
  Conv1D: {
    check: windowCheck,
    emit(ctx) {
      // TF.js' conv1d: a conv2d over [batch, 1, steps, channels] with a [1, k, in, out] kernel.
      const { layer } = ctx.call;
      const x = ctx.ops.expandDims(onlyInput(ctx), 1);
      const kernel = ctx.ops.expandDims(ctx.read(requireWeight(layer, 'kernel')), 0);
      const z = windowed(
        ctx.ops,
        x,
        {
          kernel: [1, single(ctx.config['kernelSize'], 1)],
          spatial: [1, ctx.call.inputShapes[0]![1] ?? 0],
          strides: [1, single(ctx.config['strides'], 1)],
          padding: padding(ctx.config['padding'])!,
          dilations: [1, single(ctx.config['dilationRate'], 1)],
        },
        (tiled, w) => ctx.ops.conv2d(tiled, kernel, w),
      );
      return finish(ctx, ctx.ops.squeeze(z, [1]), weightOf(layer, 'bias'), activationName(ctx.config));
    },
  },
  DepthwiseConv2D: {
    check: windowCheck,
    emit(ctx) {
      const { layer } = ctx.call;
      const kernel = ctx.read(requireWeight(layer, 'depthwiseKernel'));
      const z = windowed(ctx.ops, onlyInput(ctx), window2d(ctx), (x, w) =>
        ctx.ops.depthwiseConv2d(x, kernel, w),
      );
      return finish(ctx, z, weightOf(layer, 'bias'), activationName(ctx.config));
    },
  },
  SeparableConv2D: {
    check: windowCheck,
    emit(ctx) {
      // TF.js' separableConv2d: depthwise (strides, padding, dilation) then a 1×1 pointwise conv.
      const { layer } = ctx.call;
      const depthwiseKernel = ctx.read(requireWeight(layer, 'depthwiseKernel'));
      const depthwise = windowed(ctx.ops, onlyInput(ctx), window2d(ctx), (x, w) =>
        ctx.ops.depthwiseConv2d(x, depthwiseKernel, w),
      );
      const z = ctx.ops.conv2d(depthwise, ctx.read(requireWeight(layer, 'pointwiseKernel')), {
        strides: [1, 1],
        padding: 'VALID',
      });
      return finish(ctx, z, weightOf(layer, 'bias'), activationName(ctx.config));
    },
  },
  MaxPooling2D: pool2d('MaxPool'),
  AveragePooling2D: pool2d('AvgPool'),
  MaxPooling1D: pool1d('MaxPool'),
  AveragePooling1D: pool1d('AvgPool'),
  GlobalAveragePooling1D: { emit: (ctx) => ({ outputs: [ctx.ops.reduce('Mean', onlyInput(ctx), [1])] }) },
  GlobalMaxPooling1D: { emit: (ctx) => ({ outputs: [ctx.ops.reduce('Max', onlyInput(ctx), [1])] }) },
  GlobalAveragePooling2D: { emit: (ctx) => ({ outputs: [ctx.ops.reduce('Mean', onlyInput(ctx), [1, 2])] }) },
  GlobalMaxPooling2D: { emit: (ctx) => ({ outputs: [ctx.ops.reduce('Max', onlyInput(ctx), [1, 2])] }) },
  Flatten: {
    check: needsStaticShape,
    emit: (ctx) => ({
      outputs: [ctx.ops.reshape(onlyInput(ctx), [-1, ...staticDims(ctx.call.outputShapes[0]!)!])],
    }),
  },
  Reshape: {
    check: needsStaticShape,
    emit: (ctx) => ({
      outputs: [ctx.ops.reshape(onlyInput(ctx), [-1, ...staticDims(ctx.call.outputShapes[0]!)!])],
    }),
  },
  Activation: {
    emit: (ctx) => {
      const activation = activationName(ctx.config);
      const x = onlyInput(ctx);
      const output = emitActivation(ctx.ops, activation, x);
      return activation === 'softmax' || activation === 'sigmoid'
        ? { outputs: [output], logits: { name: x, activation } }
        : { outputs: [output] };
    },
  },
  ReLU: {
    emit(ctx) {
      const relu = ctx.ops.unary('Relu', onlyInput(ctx));
      const max = ctx.config['maxValue'];
      return {
        outputs: [typeof max === 'number' ? ctx.ops.binary('Minimum', relu, ctx.ops.scalar(max)) : relu],
      };
    },
  },
  LeakyReLU: {
    emit: (ctx) => ({
      outputs: [
        ctx.ops.op('LeakyRelu', [onlyInput(ctx)], {
          T: FLOAT,
          alpha: attr.float(typeof ctx.config['alpha'] === 'number' ? ctx.config['alpha'] : 0.3),
        }),
      ],
    }),
  },
  Softmax: {
    check: (call, config) =>
      isLastAxis(config['axis'], call.inputShapes[0]!.length)
        ? undefined
        : 'softmax over an axis other than the last has no graph form',
    emit: (ctx) => ({
      outputs: [ctx.ops.unary('Softmax', onlyInput(ctx))],
      logits: { name: onlyInput(ctx), activation: 'softmax' },
    }),
  },
  Dropout: {
    emit(ctx) {
      const rate = Number(ctx.config['rate']);
      const x = onlyInput(ctx);
      if (!ctx.training || !(rate > 0 && rate < 1)) return { outputs: [x] };
      const mask = dropoutMultiplier(ctx, x, rate);
      return { outputs: [ctx.ops.mul(x, mask)], mask };
    },
  },
  BatchNormalization: {
    check(call, config) {
      const rank = call.inputShapes[0]!.length;
      if (!isLastAxis(config['axis'], rank))
        return 'batch normalisation over an axis other than the last has no graph form';
      if (rank < 2 || rank > 4) return `batch normalisation of a rank-${rank} input has no graph form`;
      if (call.inputShapes[0]!.at(-1) === null) return 'its channel count is unknown';
      return undefined;
    },
    emit: emitBatchNorm,
  },
  LayerNormalization: {
    check(call, config) {
      const rank = call.inputShapes[0]!.length;
      const axes = normaliseAxes(config['axis'], rank);
      if (axes.includes(0)) return 'layer normalisation over the batch axis has no graph form';
      if (axes.some((a) => call.inputShapes[0]![a] === null)) return 'its normalised axes have unknown sizes';
      return undefined;
    },
    emit: emitLayerNorm,
  },
  Embedding: {
    check: (call) =>
      (call.layer as unknown as { maskZero?: boolean }).maskZero
        ? 'maskZero (masks have no graph form)'
        : undefined,
    emit(ctx) {
      const x = onlyInput(ctx);
      // TF.js casts the indices to int32 (truncating), then gathers rows.
      const indices =
        ctx.call.inputDtypes[0] === 'int32' ? x : ctx.ops.cast(x, DataType.float, DataType.int32);
      const table = ctx.read(requireWeight(ctx.call.layer, 'embeddings'));
      const output = ctx.ops.op('GatherV2', [table, indices, ctx.ops.int(0, 'GatherV2/axis')], {
        Tparams: FLOAT,
        Tindices: attr.type(DataType.int32),
        Taxis: attr.type(DataType.int32),
        batch_dims: attr.int(0),
      });
      return { outputs: [output] };
    },
  },
  Add: merge((ops, a, b) => ops.add(a, b)),
  Multiply: merge((ops, a, b) => ops.mul(a, b)),
  Maximum: merge((ops, a, b) => ops.binary('Maximum', a, b)),
  Minimum: merge((ops, a, b) => ops.binary('Minimum', a, b)),
  Average: {
    check: sameRanks,
    emit(ctx) {
      const sum = ctx.inputs.slice(1).reduce((acc, x) => ctx.ops.add(acc, x), ctx.inputs[0]!);
      return { outputs: [ctx.ops.mul(ctx.ops.scalar(1 / ctx.inputs.length), sum)] };
    },
  },
  Concatenate: {
    check: sameRanks,
    emit(ctx) {
      const rank = ctx.call.inputShapes[0]!.length;
      const axis = typeof ctx.config['axis'] === 'number' ? ctx.config['axis'] : -1;
      return { outputs: [ctx.ops.concat(ctx.inputs, axis < 0 ? axis + rank : axis)] };
    },
  },
};

function sameRanks(call: LayerCall): string | undefined {
  const rank = call.inputShapes[0]!.length;
  return call.inputShapes.every((s) => s.length === rank) ? undefined : 'its inputs have different ranks';
}

function merge(combine: (ops: GraphOps, a: string, b: string) => string): LayerConverter {
  return {
    check: sameRanks,
    emit: (ctx) => ({
      outputs: [ctx.inputs.slice(1).reduce((acc, x) => combine(ctx.ops, acc, x), ctx.inputs[0]!)],
    }),
  };
}

function pool2d(op: 'MaxPool' | 'AvgPool'): LayerConverter {
  return {
    check: windowCheck,
    emit(ctx) {
      const pool = pair(ctx.config['poolSize'], 2);
      const strides =
        ctx.config['strides'] === null || ctx.config['strides'] === undefined
          ? pool
          : pair(ctx.config['strides'], 1);
      return {
        outputs: [
          ctx.ops.pool(op, onlyInput(ctx), pool, { strides, padding: padding(ctx.config['padding'])! }),
        ],
      };
    },
  };
}

function pool1d(op: 'MaxPool' | 'AvgPool'): LayerConverter {
  return {
    check: windowCheck,
    emit(ctx) {
      // TF.js: a 2-D pool over [batch, steps, 1, channels] with a [size, 1] window.
      const size = single(ctx.config['poolSize'], 2);
      const stride =
        ctx.config['strides'] === null || ctx.config['strides'] === undefined
          ? size
          : single(ctx.config['strides'], 1);
      const x = ctx.ops.expandDims(onlyInput(ctx), 2);
      const pooled = ctx.ops.pool(op, x, [size, 1], {
        strides: [stride, 1],
        padding: padding(ctx.config['padding'])!,
      });
      return { outputs: [ctx.ops.squeeze(pooled, [2])] };
    },
  };
}

function isLastAxis(axis: unknown, rank: number): boolean {
  const value = Array.isArray(axis) && axis.length === 1 ? (axis[0] as unknown) : axis;
  return value === undefined || value === null || value === -1 || value === rank - 1;
}

function normaliseAxes(axis: unknown, rank: number): number[] {
  const list = Array.isArray(axis) ? (axis as number[]) : [typeof axis === 'number' ? axis : -1];
  return list.map((a) => (a < 0 ? a + rank : a));
}

/**
 * TF.js' Dropout in training: `x · floor(u + keep) / keep` with u uniform in [0, 1), drawn here by
 * StatelessRandomUniform from a seed fed per (trial, epoch, step, call), so reruns repeat the masks.
 */
function dropoutMultiplier(ctx: EmitContext, x: string, rate: number): string {
  const { ops } = ctx;
  const noiseShape = ctx.config['noiseShape'] as (number | null)[] | null | undefined;
  let shape = ops.shape(x);
  if (noiseShape !== null && noiseShape !== undefined) {
    // Given sizes replace the input's: shape · [given ? 0 : 1] + [given ?? 0].
    const keepInput = noiseShape.map((d) => (d === null ? 1 : 0));
    const given = noiseShape.map((d) => d ?? 0);
    shape = ops.op(
      'AddV2',
      [ops.op('Mul', [shape, ops.ints(keepInput)], { T: attr.type(DataType.int32) }), ops.ints(given)],
      {
        T: attr.type(DataType.int32),
      },
    );
  }
  const uniform = ops.op('StatelessRandomUniform', [shape, ctx.stepSeed()], {
    dtype: FLOAT,
    T: attr.type(DataType.int32),
    Tseed: attr.type(DataType.int32),
  });
  const keep = ops.scalar(1 - rate, 'keep_prob');
  return ops.div(ops.unary('Floor', ops.add(uniform, keep)), keep);
}

/** As 4-D NHWC for FusedBatchNormV3, and back. */
function toNhwc(ops: GraphOps, x: string, rank: number): string {
  if (rank === 4) return x;
  const withSteps = ops.expandDims(x, 1);
  return rank === 3 ? withSteps : ops.expandDims(withSteps, 1);
}

function fromNhwc(ops: GraphOps, y: string, rank: number): string {
  return rank === 4 ? y : ops.squeeze(y, rank === 3 ? [1] : [1, 2]);
}

/**
 * TF.js' BatchNormalization. Training: normalise with the batch's mean and biased variance, and move
 * the moving statistics as TF.js does, `moving -= (moving − batch) · (1 − momentum)`. FusedBatchNormV3
 * reports the batch variance Bessel-corrected (n/(n−1)); the update multiplies that back by (n−1)/n.
 * Inference: normalise with the moving statistics.
 */
function emitBatchNorm(ctx: EmitContext): EmittedCall {
  const { ops, call, config } = ctx;
  const rank = call.inputShapes[0]!.length;
  const channels = call.inputShapes[0]!.at(-1)!;
  const epsilon = typeof config['epsilon'] === 'number' ? config['epsilon'] : 1e-3;
  const momentum = typeof config['momentum'] === 'number' ? config['momentum'] : 0.99;
  const gamma = weightOf(call.layer, 'gamma');
  const beta = weightOf(call.layer, 'beta');
  const movingMean = requireWeight(call.layer, 'movingMean');
  const movingVariance = requireWeight(call.layer, 'movingVariance');
  const scale = gamma
    ? ctx.read(gamma)
    : ops.constant(new Float32Array(channels).fill(1), [channels], 'ones');
  const offset = beta ? ctx.read(beta) : ops.constant(new Float32Array(channels), [channels], 'zeros');
  const x = toNhwc(ops, ctx.inputs[0]!, rank);
  const statistics = ctx.training
    ? [
        ops.constant(new Float32Array(0), [0], 'no_mean'),
        ops.constant(new Float32Array(0), [0], 'no_variance'),
      ]
    : [ctx.read(movingMean), ctx.read(movingVariance)];
  const normalised = ops.op('FusedBatchNormV3', [x, scale, offset, ...statistics], {
    T: FLOAT,
    U: FLOAT,
    epsilon: attr.float(epsilon),
    exponential_avg_factor: attr.float(1),
    data_format: attr.string('NHWC'),
    is_training: attr.bool(ctx.training),
  });
  if (ctx.training) {
    const update = ops.in('moving_update');
    const decay = update.scalar(1 - momentum, 'decay');
    const count = update.cast(
      update.op('Size', [x], { T: FLOAT, out_type: attr.type(DataType.int32) }),
      DataType.int32,
      DataType.float,
    );
    const examples = update.div(count, update.scalar(channels, 'channels'));
    const unbias = update.div(update.sub(examples, update.scalar(1, 'one')), examples);
    const biasedVariance = update.mul(`${normalised}:2`, unbias);
    const move = (weight: LayerWeight, batchValue: string, name: string) =>
      update.op(
        'AssignSubVariableOp',
        [ctx.handle(weight), update.mul(update.sub(ctx.read(weight), batchValue), decay)],
        { dtype: FLOAT },
        name,
      );
    ctx.addUpdate(move(movingMean, `${normalised}:1`, 'mean'));
    ctx.addUpdate(move(movingVariance, biasedVariance, 'variance'));
  }
  return { outputs: [fromNhwc(ops, normalised, rank)] };
}

/** TF.js' LayerNormalization: per example, (x − mean) / √(variance + ε) · γ + β over the given axes. */
function emitLayerNorm(ctx: EmitContext): EmittedCall {
  const { ops, call, config } = ctx;
  const shape = call.inputShapes[0]!;
  const rank = shape.length;
  const axes = normaliseAxes(config['axis'], rank);
  const epsilon = typeof config['epsilon'] === 'number' ? config['epsilon'] : 1e-3;
  const x = ctx.inputs[0]!;
  const mean = ops.reduce('Mean', x, axes, true);
  const variance = ops.reduce('Mean', ops.binary('SquaredDifference', x, mean), axes, true);
  let y = ops.mul(ops.sub(x, mean), ops.unary('Rsqrt', ops.add(variance, ops.scalar(epsilon, 'epsilon'))));
  // γ and β have the normalised axes' sizes: broadcast them over the others.
  const onlyLast = axes.length === 1 && axes[0] === rank - 1;
  const broadcast = (w: string) =>
    onlyLast
      ? w
      : ops.reshape(
          w,
          shape.map((d, i) => (axes.includes(i) ? (d as number) : 1)),
        );
  const gamma = weightOf(call.layer, 'gamma');
  const beta = weightOf(call.layer, 'beta');
  if (gamma) y = ops.mul(y, broadcast(ctx.read(gamma)));
  if (beta) y = ops.add(y, broadcast(ctx.read(beta)));
  return { outputs: [y] };
}

/** Settings every layer is checked for: regularisers, constraints, channels-first, activations. */
function commonReason(config: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(config)) {
    if (value === null || value === undefined) continue;
    if (key.endsWith('Regularizer')) return `${key} (regularisers have no graph form)`;
    if (key.endsWith('Constraint')) return `${key} (constraints have no graph form)`;
  }
  if (config['dataFormat'] === 'channelsFirst') return "dataFormat 'channelsFirst' (channels-last only)";
  if ('activation' in config && !hasGraphActivation(activationName(config)))
    return `activation ${activationName(config)} has no graph form`;
  if (typeof config['dtype'] === 'string' && config['dtype'] !== 'float32') return `dtype ${config['dtype']}`;
  return undefined;
}

/** Why `call` cannot be compiled, as `layer <name> (<Class>) …`, or undefined when it can. */
export function unsupportedReason(call: LayerCall): string | undefined {
  const className = call.layer.getClassName();
  const label = `layer ${call.layer.name} (${className})`;
  const converter = CONVERTERS[className];
  if (converter === undefined) return `${label} has no graph form`;
  const config = call.layer.getConfig() as Record<string, unknown>;
  const reason = commonReason(config) ?? converter.check?.(call, config);
  return reason === undefined ? undefined : `${label}: ${reason}`;
}

/** Emits `ctx.call`'s forward pass; {@link unsupportedReason} said it has one. */
export function emitLayer(ctx: EmitContext): EmittedCall {
  return CONVERTERS[ctx.call.layer.getClassName()]!.emit(ctx);
}
