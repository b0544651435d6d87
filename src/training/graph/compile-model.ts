/**
 * The model compiler: any TF.js layers model whose layers all have a graph form trains as ONE
 * TensorFlow graph per step. Forward pass and loss come from the per-layer converters
 * (training-graph.ts); the backward pass from TensorFlow's own C++ gradient registry
 * (`TF_AddGradients` of the batch-mean loss with respect to each trainable weight's read); the
 * optimiser's updates (optimizers.ts) and batch norm's moving statistics are one `train` target.
 *
 * A model that cannot be compiled gets `{ reason }` naming the first thing without a graph form (the
 * caller falls back to TF.js op by op); a model whose output cannot be scored by the loss throws a
 * UserError, since no path could train it.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainingPath, TrainingPathOptions } from '../training-path.js';
import { GraphBuilder } from './builder.js';
import { GraphTrainingPath, type CompiledSession } from './graph-training-path.js';
import { unsupportedReason } from './layers.js';
import { checkLossFits, targetSpec } from './losses.js';
import { loadGraphAddon, type GraphAddon } from './native.js';
import { graphOptimizer } from './optimizers.js';
import { GraphOps } from './ops.js';
import { graphDevice, sessionConfig, sessionThreads } from './session-config.js';
import { buildTrainingGraph } from './training-graph.js';
import { modelTopology, type ModelTopology } from './topology.js';

let sessions = 0;

/** Why `model` has no graph form under `options`, or undefined. Throws UserError for a loss misfit. */
function graphFormReason(options: TrainingPathOptions, topology: ModelTopology): string | undefined {
  const { model, loss, metrics } = options;
  for (const input of topology.inputs) {
    if (input.dtype !== 'float32' && input.dtype !== 'int32')
      return `input ${input.name} has dtype ${input.dtype}`;
    if (input.shape.slice(1).some((d) => d === null))
      return `input ${input.name} has a dimension of unknown size (${JSON.stringify(input.shape)})`;
  }
  for (const output of topology.outputs) {
    checkLossFits(loss, output);
    if (output.shape.slice(1).some((d) => d === null))
      return `output ${output.name} has a dimension of unknown size (${JSON.stringify(output.shape)})`;
    if (targetSpec(loss, output.shape).dims.some((d) => !Number.isInteger(d)))
      return `output ${output.name}: its targets' shape is unknown`;
  }
  if (topology.outputs.length > 1 && metrics.length > 0)
    return `metrics of a model with ${topology.outputs.length} outputs have no graph form`;
  for (const weight of model.weights)
    if (weight.dtype !== 'float32') return `weight ${weight.name} has dtype ${weight.dtype}`;
  for (const call of topology.calls) {
    const reason = unsupportedReason(call);
    if (reason !== undefined) return reason;
    if (call.layer.getClassName() !== 'Embedding' && call.inputDtypes.some((d) => d !== 'float32'))
      return `layer ${call.layer.name} (${call.layer.getClassName()}) takes an int32 input`;
  }
  return undefined;
}

function topologyOf(model: tf.LayersModel): ModelTopology | { reason: string } {
  try {
    return modelTopology(model);
  } catch (error) {
    return { reason: `its layer graph cannot be traced: ${(error as Error).message}` };
  }
}

/** Imports the forward graph, adds gradients and the optimiser graph, starts the session. */
function assemble(addon: GraphAddon, options: TrainingPathOptions, topology: ModelTopology): CompiledSession {
  const device = graphDevice(options.device ?? 'cpu');
  const optimizer = graphOptimizer(options.optimizer);
  const container = `seedsweep_${process.pid}_${++sessions}_${Math.random().toString(36).slice(2)}`;
  const graph = buildTrainingGraph({
    model: options.model,
    topology,
    loss: options.loss,
    metrics: options.metrics,
    slotKinds: optimizer.slotKinds,
    container,
    device,
  });
  const session = addon.graph();
  try {
    addon.importGraph(session, graph.graphDef, [], [], device ?? '');
    // Gradients of the weights the training pass reads (TF_AddGradients refuses unreachable ones);
    // a trainable weight it does not read gets none, and tf.train would skip it too.
    const reached = graph.trainable.filter((i) => graph.readInTraining.has(i));
    const found =
      reached.length > 0
        ? addon.addGradients(
            session,
            'gradients',
            [graph.train.lossMean],
            reached.map((i) => graph.weights[i]!.read),
          )
        : [];
    const gradients = graph.trainable.map((i) => {
      const at = reached.indexOf(i);
      return at < 0 ? null : (found[at] ?? null);
    });

    // The optimiser graph names what it uses from the graph above `external/…` and maps it on import.
    const builder = new GraphBuilder({ device });
    const ops = new GraphOps(builder, 'optimizer');
    const inputMap: [string, string][] = [];
    const external = (name: string, target: string) => {
      inputMap.push([`external/${name}:0`, target]);
      return `external/${name}:0`;
    };
    optimizer.declareInputs(ops);
    const perKind = graph.trainable.length;
    const updates: string[] = [];
    graph.trainable.forEach((weightIndex, i) => {
      const gradient = gradients[i];
      if (gradient === null || gradient === undefined) return; // tf.train skips a weight without a gradient
      updates.push(
        optimizer.emitUpdate(ops.in(String(weightIndex)), {
          weight: external(`weight_${weightIndex}`, graph.weights[weightIndex]!.handle),
          gradient: external(`gradient_${weightIndex}`, gradient),
          slots: optimizer.slotKinds.map((_, k) =>
            external(`slot_${k}_${weightIndex}`, graph.slots[k * perKind + i]!.handle),
          ),
        }),
      );
    });
    const controls: [string, string][] = graph.updates ? [['external/moving_statistics', graph.updates]] : [];
    const trainTarget = ops.op(
      'NoOp',
      [...updates.map((u) => `^${u}`), ...controls.map(([src]) => `^${src}`)],
      {},
      'train',
    );
    const optimizerGraph = builder.toGraphDef();
    addon.importGraph(session, optimizerGraph, inputMap, controls, device ?? '');
    const config = sessionConfig(options.threads ?? sessionThreads(), options.device ?? 'cpu');
    addon.start(session, config);
    return {
      addon,
      session,
      graph,
      optimizer,
      gradients,
      trainTarget,
      graphDefs: [graph.graphDef, optimizerGraph],
      config,
    };
  } catch (error) {
    addon.close(session);
    throw error;
  }
}

/**
 * Compiles `options.model` into one training graph in a new TensorFlow session holding the model's
 * current weights and a fresh optimiser; or the reason it cannot (no native addon, a layer or setting
 * without graph form).
 */
export function compileTrainingGraph(options: TrainingPathOptions): TrainingPath | { reason: string } {
  return compileGraphPath(options);
}

/** {@link compileTrainingGraph} typed as the graph path (tests and diagnostics use its extras). */
export function compileGraphPath(options: TrainingPathOptions): GraphTrainingPath | { reason: string } {
  const loaded = loadGraphAddon();
  if ('reason' in loaded) return loaded;
  const topology = topologyOf(options.model);
  if ('reason' in topology) return topology;
  const reason = graphFormReason(options, topology);
  if (reason !== undefined) return { reason };
  const compiled = assemble(loaded.addon, options, topology);
  const path = new GraphTrainingPath(compiled, options.model, options.seed);
  try {
    path.restore(
      options.model.weights.map((w) => ({
        name: w.name,
        shape: [...w.shape] as number[],
        data: w.read().dataSync() as Float32Array,
      })),
      [],
    );
  } catch (error) {
    path.dispose();
    throw error;
  }
  return path;
}
