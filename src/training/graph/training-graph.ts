/**
 * The forward half of a compiled training graph, as one GraphDef: a variable per model weight and per
 * optimiser slot, placeholders for inputs, targets and per-step seeds, the model's forward pass twice
 * (training: dropout on, batch statistics and their moving-average updates; evaluation: inference
 * mode), and each pass's loss and metrics. Pure TypeScript: the gradients and the optimiser's updates
 * are added once TensorFlow has the graph (compile-model.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import type { LossSpec, MetricSpec } from '../training-path.js';
import { GraphBuilder } from './builder.js';
import { emitLayer, type EmitContext, type EmittedCall, type LayerWeight } from './layers.js';
import { emitLoss, targetSpec, type LossInput } from './losses.js';
import { emitMetric } from './metrics.js';
import type { SlotKind } from './optimizers.js';
import { graphName, GraphOps } from './ops.js';
import { attr, DataType } from './proto.js';
import type { ModelTopology } from './topology.js';

/** The nodes of one graph variable. */
export interface VariableNodes {
  /** Checkpoint name (the TF.js weight's name, or `<weight>/<slot>`). */
  name: string;
  shape: number[];
  /** VarHandleOp. */
  handle: string;
  /** ReadVariableOp: its current value. */
  read: string;
  /** Placeholder fed to `assign`. */
  value: string;
  /** AssignVariableOp of `value`. */
  assign: string;
}

/** A fed batch array: a model input or an output's targets. */
export interface BatchFeed {
  placeholder: string;
  dtype: DataType;
  /** Per-example shape. */
  dims: number[];
  /** For messages: `input x_1` or `targets of dense_3`. */
  label: string;
}

/** Loss and metric fetches of one pass. */
export interface PassFetches {
  /** Σ over the batch of the per-example loss. */
  lossSum: string;
  /** Σ over the batch of each metric. */
  metricSums: Record<string, string>;
}

export interface TrainingGraph {
  graphDef: Uint8Array;
  inputs: BatchFeed[];
  targets: BatchFeed[];
  /** Per dropout call in the training pass, in call order: its seed placeholder and its multiplier. */
  dropout: { seed: string; mask: string }[];
  /** Model weights in `model.weights` order. */
  weights: VariableNodes[];
  /** Indices into `weights` of `model.trainableWeights`, in that order. */
  trainable: number[];
  /** Indices into `weights` that the training pass reads (the loss can only depend on those). */
  readInTraining: Set<number>;
  /** Optimiser slots, kind-major (every weight's first slot, then every weight's second, ...). */
  slots: VariableNodes[];
  /** Training pass: the batch-mean loss (what gradients are taken of) and the sums. */
  train: PassFetches & { lossMean: string };
  evaluate: PassFetches;
  /** NoOp running the moving-statistics updates, when the model has any. */
  updates: string | undefined;
  /** NoOps that assign every weight / every slot from its `value`. */
  assignWeights: string;
  assignSlots: string;
}

/** Options of {@link buildTrainingGraph}. */
export interface BuildTrainingGraphOptions {
  model: tf.LayersModel;
  topology: ModelTopology;
  loss: LossSpec;
  metrics: readonly MetricSpec[];
  slotKinds: readonly SlotKind[];
  /** Resource container of the variables (one per session). */
  container: string;
  /** Device of every node. */
  device: string | undefined;
}

/** A float32 resource variable under `ops.in(scope)`, named `name` in checkpoints. */
function variable(
  ops: GraphOps,
  container: string,
  scope: string,
  name: string,
  shape: number[],
): VariableNodes {
  const nodes = ops.in(scope);
  const float = { dtype: attr.type(DataType.float) };
  const handle = nodes.op(
    'VarHandleOp',
    [],
    {
      ...float,
      shape: attr.shape(shape),
      container: attr.string(container),
      shared_name: attr.string(nodes.scope),
    },
    'handle',
  );
  const value = nodes.placeholder('value', DataType.float, shape);
  const assign = nodes.op('AssignVariableOp', [handle, value], float, 'assign');
  const read = nodes.op('ReadVariableOp', [handle], float, 'read');
  return { name, shape, handle, read, value, assign };
}

export function buildTrainingGraph(options: BuildTrainingGraphOptions): TrainingGraph {
  const { model, topology, loss, metrics, container } = options;
  const builder = new GraphBuilder({ device: options.device });
  const root = new GraphOps(builder, 'model');

  const weightIndex = new Map<LayerWeight, number>(model.weights.map((w, i) => [w, i]));
  const weights = model.weights.map((w, i) =>
    variable(root.in('weights'), container, `${i}_${graphName(w.name)}`, w.name, [...w.shape] as number[]),
  );
  const trainable = model.trainableWeights.map((w) => {
    const index = weightIndex.get(w);
    if (index === undefined) throw new Error(`trainable weight ${w.name} is not among the model's weights`);
    return index;
  });
  const slots = options.slotKinds.flatMap((kind) =>
    trainable.map((index) => {
      const weight = weights[index]!;
      return variable(
        root.in('slots').in(kind.suffix),
        container,
        `${index}`,
        `${weight.name}/${kind.suffix}`,
        weight.shape,
      );
    }),
  );

  const feeds = root.in('feed');
  const inputs = topology.inputs.map((input, i): BatchFeed => {
    const dtype = input.dtype === 'int32' ? DataType.int32 : DataType.float;
    const dims = input.shape.slice(1) as number[];
    return {
      placeholder: feeds.placeholder(`input_${i}`, dtype, [-1, ...dims]),
      dtype,
      dims,
      label: `input ${input.name}`,
    };
  });
  const targets = topology.outputs.map((output, i): BatchFeed => {
    const spec = targetSpec(loss, output.shape);
    return {
      placeholder: feeds.placeholder(`target_${i}`, spec.dtype, [-1, ...spec.dims]),
      ...spec,
      label: `targets of output ${output.name}`,
    };
  });

  const dropout: { seed: string; mask: string }[] = [];
  const updateOps: string[] = [];
  const readInTraining = new Set<number>();

  const runPass = (training: boolean) => {
    const pass = root.in(training ? 'train' : 'eval');
    const tensors = new Map<string, string>(
      topology.inputs.map((input, i) => [input.key, inputs[i]!.placeholder]),
    );
    const emitted = new Map<string, EmittedCall>();
    topology.calls.forEach((call, callIndex) => {
      let seed: string | undefined;
      const ctx: EmitContext = {
        ops: pass.in(call.layer.name),
        call,
        config: call.layer.getConfig() as Record<string, unknown>,
        inputs: call.inputs.map((key) => {
          const name = tensors.get(key);
          if (name === undefined) throw new Error(`layer ${call.layer.name}: input ${key} was not computed`);
          return name;
        }),
        training,
        read: (w) => {
          const index = weightIndex.get(w)!;
          if (training) readInTraining.add(index);
          return weights[index]!.read;
        },
        handle: (w) => weights[weightIndex.get(w)!]!.handle,
        stepSeed: () => (seed ??= feeds.placeholder(`seed_${callIndex}`, DataType.int32, [2])),
        addUpdate: (op) => updateOps.push(op),
      };
      const result = emitLayer(ctx);
      if (result.mask !== undefined) dropout.push({ seed: seed!, mask: result.mask });
      call.outputs.forEach((key, i) => {
        tensors.set(key, result.outputs[i]!);
        emitted.set(key, result);
      });
    });
    const perExampleLoss: string[] = [];
    const perExampleMetrics = new Map<string, string[]>();
    topology.outputs.forEach((output, i) => {
      const result = emitted.get(output.key);
      const input: LossInput = {
        output: tensors.get(output.key)!,
        logits: result?.outputs.length === 1 ? result.logits : undefined,
        shape: output.shape,
        target: targets[i]!.placeholder,
      };
      perExampleLoss.push(emitLoss(pass.in(`loss_${i}`), loss, input));
      for (const metric of metrics) {
        const list = perExampleMetrics.get(metric) ?? [];
        list.push(emitMetric(pass.in(`${metric}_${i}`), metric, loss, input));
        perExampleMetrics.set(metric, list);
      }
    });
    const total = perExampleLoss.slice(1).reduce((acc, l) => pass.add(acc, l), perExampleLoss[0]!);
    const metricSums: Record<string, string> = {};
    for (const [metric, list] of perExampleMetrics) {
      // One output per metric (compile refuses several outputs with metrics).
      metricSums[metric] = pass.in(metric).reduce('Sum', list[0]!, [0]);
    }
    return {
      lossSum: pass.in('loss').reduce('Sum', total, [0]),
      lossMean: pass.in('loss').reduce('Mean', total, [0]),
      metricSums,
    };
  };

  const train = runPass(true);
  const { lossSum, metricSums } = runPass(false);
  const group = (ops: GraphOps, name: string, members: readonly string[]) =>
    ops.op(
      'NoOp',
      members.map((op) => `^${op}`),
      {},
      name,
    );
  const updates = updateOps.length > 0 ? group(root.in('train'), 'moving_statistics', updateOps) : undefined;
  const assignWeights = group(
    root.in('assign'),
    'weights',
    weights.map((w) => w.assign),
  );
  const assignSlots = group(
    root.in('assign'),
    'slots',
    slots.map((s) => s.assign),
  );
  return {
    graphDef: builder.toGraphDef(),
    inputs,
    targets,
    dropout,
    weights,
    trainable,
    readInTraining,
    slots,
    train,
    evaluate: { lossSum, metricSums },
    updates,
    assignWeights,
    assignSlots,
  };
}
