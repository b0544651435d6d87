/**
 * A split's data as the fit loop reads it: a number of examples, per-example shapes and dtypes, and
 * `fill` copying examples by index into a batch's host arrays. Arrays and tensors are checked against
 * the model once and copied into typed arrays of the model's dtypes; an indexed source is taken as
 * it is (its shapes default to the model's).
 */
import * as tf from '../backends/tfjs.js';
import { UserError } from '../../core/common/errors.js';
import type { HostArray, HostBatch, LossSpec } from '../training-path.js';
import type { ArrayData, ArrayInput, DataSource, IndexedSource } from './definition.js';
import { describeShape, isSparse, targetShapeFor } from './losses.js';

/** float32 or int32: what a host array holds. */
export type HostDtype = 'float32' | 'int32';

/** A split ready for batching. */
export interface FitSource {
  /** `train`, `validation`, `test`. */
  split: string;
  size: number;
  inputShapes: number[][];
  inputDtypes: HostDtype[];
  targetShape: number[];
  targetDtype: HostDtype;
  fill(indices: Int32Array, start: number, count: number, batch: HostBatch): void;
}

/** What a source is checked against. */
export interface SourceContext {
  model: tf.LayersModel;
  loss: LossSpec;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function isIndexed(source: DataSource): source is IndexedSource {
  return typeof (source as IndexedSource).fill === 'function';
}

function isTensor(value: unknown): value is tf.Tensor {
  return value instanceof tf.Tensor;
}

/** The model's per-example input shapes and dtypes. */
function modelInputs(model: tf.LayersModel): { shape: (number | null)[]; dtype: HostDtype }[] {
  return model.inputs.map((input) => ({
    shape: input.shape.slice(1),
    dtype: input.dtype === 'int32' ? 'int32' : 'float32',
  }));
}

/** The model's (single) output's per-example shape. */
export function modelOutputShape(model: tf.LayersModel): (number | null)[] {
  if (model.outputs.length !== 1)
    throw new UserError(
      'E_MODEL_OUTPUTS',
      `the model has ${model.outputs.length} outputs; defineModelTrainable trains models of one output (combine them into one, or write a trainable with defineTrainable).`,
    );
  return model.outputs[0]!.shape.slice(1);
}

function complete(shape: readonly (number | null)[], what: string, split: string): number[] {
  if (shape.some((d) => d === null))
    throw new UserError(
      'E_DATA_SHAPE',
      `the ${split} source gives no per-example shape for ${what} and the model leaves it open (${describeShape(shape)}); give the source its shapes (inputShapes / targetShape).`,
    );
  return shape as number[];
}

function fits(actual: readonly number[], expected: readonly (number | null)[]): boolean {
  return actual.length === expected.length && expected.every((d, i) => d === null || d === actual[i]);
}

/** The values of one array input as a typed array of `dtype`, and its shape. */
function arrayOf(input: ArrayInput, dtype: HostDtype, what: string): { data: HostArray; shape: number[] } {
  let data: ArrayLike<number>;
  let shape: number[];
  if (isTensor(input)) {
    data = input.dataSync() as ArrayLike<number>;
    shape = [...input.shape];
  } else {
    const a = input as ArrayData;
    if (!a || typeof a !== 'object' || !Array.isArray(a.shape) || a.data?.length === undefined)
      throw new UserError('E_DATA_SHAPE', `${what} must be { data, shape: [n, …] } or a tf.Tensor.`);
    data = a.data;
    shape = [...a.shape];
  }
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new UserError(
      'E_DATA_SHAPE',
      `${what} has shape ${JSON.stringify(shape)}; give [n, …] with n examples.`,
    );
  if (data.length !== sizeOf(shape))
    throw new UserError(
      'E_DATA_SHAPE',
      `${what} holds ${data.length} values but its shape ${JSON.stringify(shape)} needs ${sizeOf(shape)}.`,
    );
  const Kind = dtype === 'int32' ? Int32Array : Float32Array;
  // Already the right kind (e.g. a SharedArrayBuffer view from a dataset plug-in): used without copying.
  // A tensor's dataSync may be the backend's own storage: always copied.
  const typed = data instanceof Kind && !isTensor(input) ? (data as HostArray) : Kind.from(data);
  if (dtype === 'int32' && !(data instanceof Int32Array)) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isInteger(data[i]))
        throw new UserError(
          'E_DATA_SHAPE',
          `${what} must hold integers (class indices); value ${i} is ${data[i]}.`,
        );
    }
  }
  return { data: typed, shape };
}

function arraySource(split: string, source: DataSource, context: SourceContext): FitSource {
  const { x, y } = source as { x: unknown; y: unknown };
  if (x === undefined || y === undefined)
    throw new UserError(
      'E_DATA_SHAPE',
      `the ${split} source must be { x, y } (arrays or tensors) or { size, fill(indices, start, count, batch) }.`,
    );
  const inputs = modelInputs(context.model);
  const xs = (Array.isArray(x) ? x : [x]) as ArrayInput[];
  if (xs.length !== inputs.length)
    throw new UserError(
      'E_DATA_SHAPE',
      `the ${split} source gives ${xs.length} input arrays but the model has ${inputs.length} inputs.`,
    );
  const arrays = xs.map((input, i) =>
    arrayOf(input, inputs[i]!.dtype, `${split} x${xs.length > 1 ? `[${i}]` : ''}`),
  );
  const targetDtype: HostDtype = isSparse(context.loss) ? 'int32' : 'float32';
  const target = arrayOf(y as ArrayInput, targetDtype, `${split} y`);
  const size = target.shape[0]!;
  arrays.forEach((a, i) => {
    if (a.shape[0] !== size)
      throw new UserError(
        'E_DATA_SHAPE',
        `the ${split} source has ${a.shape[0]} examples in x${arrays.length > 1 ? `[${i}]` : ''} but ${size} in y.`,
      );
    if (!fits(a.shape.slice(1), inputs[i]!.shape))
      throw new UserError(
        'E_DATA_SHAPE',
        `${split} x${arrays.length > 1 ? `[${i}]` : ''} has shape ${describeShape(a.shape.slice(1))} but the model's input is ${describeShape(inputs[i]!.shape)}.`,
      );
  });
  const inputShapes = arrays.map((a) => a.shape.slice(1));
  const targetShape = target.shape.slice(1);
  const inputRows = inputShapes.map(sizeOf);
  const targetRow = sizeOf(targetShape);
  return {
    split,
    size,
    inputShapes,
    inputDtypes: inputs.map((i) => i.dtype),
    targetShape,
    targetDtype,
    fill(indices, start, count, batch) {
      for (let k = 0; k < count; k++) {
        const index = indices[start + k]!;
        arrays.forEach((a, i) => {
          const row = inputRows[i]!;
          batch.inputs[i]!.set(a.data.subarray(index * row, (index + 1) * row), k * row);
        });
        batch.targets[0]!.set(
          target.data.subarray(index * targetRow, (index + 1) * targetRow),
          k * targetRow,
        );
      }
    },
  };
}

function indexedSource(split: string, source: IndexedSource, context: SourceContext): FitSource {
  if (!Number.isInteger(source.size) || source.size < 0)
    throw new UserError(
      'E_DATA_SHAPE',
      `the ${split} source's size must be an integer ≥ 0; got ${source.size}.`,
    );
  const inputs = modelInputs(context.model);
  if (source.inputShapes !== undefined && source.inputShapes.length !== inputs.length)
    throw new UserError(
      'E_DATA_SHAPE',
      `the ${split} source gives ${source.inputShapes.length} input shapes but the model has ${inputs.length} inputs.`,
    );
  const inputShapes = inputs.map((input, i) => {
    const given = source.inputShapes?.[i];
    if (given === undefined) return complete(input.shape, `input ${i}`, split);
    if (!fits(given, input.shape))
      throw new UserError(
        'E_DATA_SHAPE',
        `the ${split} source's input ${i} has shape ${describeShape(given)} but the model's input is ${describeShape(input.shape)}.`,
      );
    return [...given];
  });
  const targetShape = source.targetShape
    ? [...source.targetShape]
    : complete(targetShapeFor(context.loss, modelOutputShape(context.model)), 'the targets', split);
  return {
    split,
    size: source.size,
    inputShapes,
    inputDtypes: inputs.map((i) => i.dtype),
    targetShape,
    targetDtype: isSparse(context.loss) ? 'int32' : 'float32',
    fill: (indices, start, count, batch) => source.fill(indices, start, count, batch),
  };
}

/** A split's source, checked against the model. */
export function toFitSource(split: string, source: DataSource, context: SourceContext): FitSource {
  if (typeof source !== 'object' || source === null)
    throw new UserError(
      'E_DATA_SHAPE',
      `the ${split} split must be { x, y } or { size, fill(indices, start, count, batch) }; got ${JSON.stringify(source)}.`,
    );
  return isIndexed(source) ? indexedSource(split, source, context) : arraySource(split, source, context);
}

/** A reusable batch of `rows` examples of `source`'s shapes. */
export function createBatch(source: FitSource, rows: number): HostBatch {
  const make = (dtype: HostDtype, shape: readonly number[]) =>
    dtype === 'int32' ? new Int32Array(rows * sizeOf(shape)) : new Float32Array(rows * sizeOf(shape));
  return {
    inputs: source.inputShapes.map((shape, i) => make(source.inputDtypes[i]!, shape)),
    targets: [make(source.targetDtype, source.targetShape)],
    count: 0,
    epoch: 0,
    step: 0,
  };
}
