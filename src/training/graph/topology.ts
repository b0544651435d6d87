/**
 * The call graph of a TF.js layers model, flattened for compilation: every layer call (a layer's
 * inbound node) in an order where each call comes after the calls producing its inputs, with tensors
 * named by stable keys. Sequential and functional models alike (a Sequential is a functional model
 * whose layers form a chain); a model used as a layer inside another is inlined, so its layers are
 * compiled like the outer model's. Shared layers appear once per call, with the same weights.
 */
import type * as tf from '@tensorflow/tfjs';

/** A symbolic tensor's shape (null: unknown, e.g. the batch). */
export type StaticShape = readonly (number | null)[];

/** One call of a layer on its inputs. */
export interface LayerCall {
  layer: tf.layers.Layer;
  /** Keys of the input tensors (outputs of earlier calls or model inputs). */
  inputs: string[];
  inputShapes: StaticShape[];
  /** `float32`, or `int32` for a model input declared so (e.g. token ids). */
  inputDtypes: string[];
  /** Keys of the tensors this call produces. */
  outputs: string[];
  outputShapes: StaticShape[];
}

/** A model input or output. */
export interface ModelTensor {
  key: string;
  /** The symbolic tensor's name (`dense_Dense3/dense_Dense3`), for messages. */
  name: string;
  shape: StaticShape;
  dtype: string;
  /** Name of the layer that produces it (the InputLayer for inputs). */
  layerName: string;
}

export interface ModelTopology {
  inputs: ModelTensor[];
  outputs: ModelTensor[];
  /** Every layer call, inputs before the calls that use them. */
  calls: LayerCall[];
}

interface Scope {
  /** Prefix of tensor keys in this (possibly nested) model instance. */
  prefix: string;
  /** Inner model inputs (by symbolic tensor id) → outer keys; undefined at the top level. */
  aliases?: Map<number, string>;
}

function isContainer(layer: tf.layers.Layer): layer is tf.LayersModel {
  const candidate = layer as unknown as { layers?: unknown; inputs?: unknown; outputs?: unknown };
  return (
    Array.isArray(candidate.layers) && Array.isArray(candidate.inputs) && Array.isArray(candidate.outputs)
  );
}

/** Walks `model` from its outputs back to its inputs; throws when a tensor cannot be traced. */
export function modelTopology(model: tf.LayersModel): ModelTopology {
  const calls: LayerCall[] = [];
  const visitedNodes = new Set<string>();
  /** Outputs of inlined models: their outer key → the inner output's key. */
  const forwarded = new Map<string, string>();
  const top: Scope = { prefix: '' };
  const inputKeys = new Map<number, string>(model.inputs.map((t) => [t.id, `t${t.id}`]));

  const resolve = (key: string): string => {
    let current = key;
    for (let next = forwarded.get(current); next !== undefined; next = forwarded.get(current)) current = next;
    return current;
  };

  const visit = (tensor: tf.SymbolicTensor, scope: Scope): string => {
    const alias = scope.aliases?.get(tensor.id);
    if (alias !== undefined) return alias;
    const key = `${scope.prefix}t${tensor.id}`;
    const layer = tensor.sourceLayer;
    if (layer.getClassName() === 'InputLayer') {
      const input = scope.aliases === undefined ? inputKeys.get(tensor.id) : undefined;
      if (input === undefined) throw new Error(`input ${tensor.name} is not an input of the model`);
      return input;
    }
    const nodeKey = `${scope.prefix}${layer.name}#${tensor.nodeIndex}`;
    if (!visitedNodes.has(nodeKey)) {
      visitedNodes.add(nodeKey);
      const node = layer.inboundNodes[tensor.nodeIndex];
      if (node === undefined) throw new Error(`layer ${layer.name} has no call ${tensor.nodeIndex}`);
      const inputs = node.inputTensors.map((t) => resolve(visit(t, scope)));
      const outputKeys = node.outputTensors.map((t) => `${scope.prefix}t${t.id}`);
      if (isContainer(layer)) {
        const inner: Scope = {
          prefix: `${nodeKey}/`,
          aliases: new Map(layer.inputs.map((t, i) => [t.id, inputs[i]!])),
        };
        layer.outputs.forEach((t, i) => forwarded.set(outputKeys[i]!, resolve(visit(t, inner))));
      } else {
        calls.push({
          layer,
          inputs,
          inputShapes: node.inputTensors.map((t) => t.shape),
          inputDtypes: node.inputTensors.map((t) => t.dtype),
          outputs: outputKeys,
          outputShapes: node.outputTensors.map((t) => t.shape),
        });
      }
    }
    return resolve(key);
  };

  const outputs = model.outputs.map((t): ModelTensor => ({
    key: resolve(visit(t, top)),
    name: t.name,
    shape: t.shape,
    dtype: t.dtype,
    layerName: t.sourceLayer.name,
  }));
  const inputs = model.inputs.map((t): ModelTensor => ({
    key: inputKeys.get(t.id)!,
    name: t.name,
    shape: t.shape,
    dtype: t.dtype,
    layerName: t.sourceLayer.name,
  }));
  return { inputs, outputs, calls };
}
