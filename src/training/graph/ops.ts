/**
 * TensorFlow ops by name and meaning, on top of {@link GraphBuilder}: each helper adds one node (with
 * the attributes TensorFlow requires for it) under the helper's scope and returns its output name, so
 * the layer, loss and optimiser emitters read like the formulas they implement. Float32 unless said.
 */
import type { GraphBuilder } from './builder.js';
import { attr, DataType, type AttrValue } from './proto.js';

const FLOAT = attr.type(DataType.float);
const INT32 = attr.type(DataType.int32);

/** TensorFlow node names allow `[A-Za-z0-9.][A-Za-z0-9_.\-/]*`: anything else becomes `_`. */
export function graphName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.\-/]/g, '_');
  return /^[A-Za-z0-9.]/.test(cleaned) ? cleaned : `n${cleaned}`;
}

/** Convolution / pooling window settings in NHWC order. */
export interface WindowOptions {
  strides: readonly [number, number];
  padding: 'SAME' | 'VALID';
  dilations?: readonly [number, number];
}

export class GraphOps {
  constructor(
    readonly builder: GraphBuilder,
    /** Prefix of every node name this helper adds (a `/`-separated scope). */
    readonly scope: string,
  ) {}

  /** Helpers for a nested scope. */
  in(scope: string): GraphOps {
    return new GraphOps(this.builder, `${this.scope}/${graphName(scope)}`);
  }

  /** Any op: `name` is its last name component (the op type when left out). */
  op(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    name: string = op,
  ): string {
    return this.builder.op(op, `${this.scope}/${name}`, inputs, attrs);
  }

  // --- constants and feeds ----------------------------------------------------------------------

  placeholder(name: string, dtype: DataType, shape: readonly number[]): string {
    return this.op('Placeholder', [], { dtype: attr.type(dtype), shape: attr.shape(shape) }, name);
  }

  /** A float32 scalar constant. */
  scalar(value: number, name = 'Const'): string {
    return this.constant(Float32Array.of(value), [], name);
  }

  /** An int32 vector constant. */
  ints(values: readonly number[], name = 'Const'): string {
    return this.constant(Int32Array.from(values), [values.length], name);
  }

  /** An int32 scalar constant (an axis). */
  int(value: number, name = 'Const'): string {
    return this.constant(Int32Array.of(value), [], name);
  }

  constant(value: Float32Array | Int32Array, shape: readonly number[], name = 'Const'): string {
    const dtype = value instanceof Int32Array ? DataType.int32 : DataType.float;
    return this.op('Const', [], { dtype: attr.type(dtype), value: attr.tensor(dtype, shape, value) }, name);
  }

  // --- elementwise ------------------------------------------------------------------------------

  /** A float op of one input (`Relu`, `Tanh`, `Exp`, ...). */
  unary(op: string, x: string): string {
    return this.op(op, [x], { T: FLOAT });
  }

  /** A float op of two inputs with broadcasting (`AddV2`, `Mul`, `Sub`, `RealDiv`, `Maximum`, ...). */
  binary(op: string, a: string, b: string): string {
    return this.op(op, [a, b], { T: FLOAT });
  }

  add(a: string, b: string): string {
    return this.binary('AddV2', a, b);
  }
  sub(a: string, b: string): string {
    return this.binary('Sub', a, b);
  }
  mul(a: string, b: string): string {
    return this.binary('Mul', a, b);
  }
  div(a: string, b: string): string {
    return this.binary('RealDiv', a, b);
  }

  clip(x: string, low: number, high: number): string {
    return this.op('ClipByValue', [x, this.scalar(low, 'low'), this.scalar(high, 'high')], { T: FLOAT });
  }

  cast(x: string, from: DataType, to: DataType): string {
    return this.op('Cast', [x], { SrcT: attr.type(from), DstT: attr.type(to), Truncate: attr.bool(false) });
  }

  /** A comparison (`Equal`, `Greater`, `GreaterEqual`) giving bool. */
  compare(
    op: 'Equal' | 'Greater' | 'GreaterEqual',
    a: string,
    b: string,
    dtype: DataType = DataType.float,
  ): string {
    return this.op(op, [a, b], {
      T: attr.type(dtype),
      ...(op === 'Equal' ? { incompatible_shape_error: attr.bool(true) } : {}),
    });
  }

  // --- reductions and shapes --------------------------------------------------------------------

  /** `Sum` / `Mean` / `Max` over `axes` (int32 constant). */
  reduce(
    op: 'Sum' | 'Mean' | 'Max' | 'Prod',
    x: string,
    axes: readonly number[],
    keepDims = false,
    dtype = DataType.float,
  ): string {
    return this.op(op, [x, this.ints(axes, `${op}/axes`)], {
      T: attr.type(dtype),
      Tidx: INT32,
      keep_dims: attr.bool(keepDims),
    });
  }

  argMax(x: string, axis: number): string {
    return this.op('ArgMax', [x, this.int(axis, 'ArgMax/axis')], {
      T: FLOAT,
      Tidx: INT32,
      output_type: INT32,
    });
  }

  /** Reshape to a constant shape (one -1 allowed). */
  reshape(x: string, shape: readonly number[], dtype: DataType = DataType.float): string {
    return this.reshapeTo(x, this.ints(shape, 'Reshape/shape'), dtype);
  }

  /** Reshape to a shape computed in the graph (an int32 vector). */
  reshapeTo(x: string, shape: string, dtype: DataType = DataType.float): string {
    return this.op('Reshape', [x, shape], { T: attr.type(dtype), Tshape: INT32 });
  }

  /** The int32 shape vector of `x`. */
  shape(x: string, dtype: DataType = DataType.float): string {
    return this.op('Shape', [x], { T: attr.type(dtype), out_type: INT32 });
  }

  expandDims(x: string, axis: number): string {
    return this.op('ExpandDims', [x, this.int(axis, 'ExpandDims/axis')], { T: FLOAT, Tdim: INT32 });
  }

  squeeze(x: string, axes: readonly number[]): string {
    return this.op('Squeeze', [x], { T: FLOAT, squeeze_dims: attr.ints(axes) });
  }

  concat(values: readonly string[], axis: number): string {
    return this.op('ConcatV2', [...values, this.int(axis, 'ConcatV2/axis')], {
      T: FLOAT,
      N: attr.int(values.length),
      Tidx: INT32,
    });
  }

  /** SpaceToBatchND over the two spatial axes of NHWC: `block` tiles, `paddings` [[top, bottom], [left, right]]. */
  spaceToBatch(x: string, block: readonly [number, number], paddings: readonly number[]): string {
    return this.op(
      'SpaceToBatchND',
      [x, this.ints(block, 'block'), this.constant(Int32Array.from(paddings), [2, 2], 'paddings')],
      {
        T: FLOAT,
        Tblock_shape: INT32,
        Tpaddings: INT32,
      },
    );
  }

  /** BatchToSpaceND, the inverse of {@link spaceToBatch}, cropping `crops` [[top, bottom], [left, right]]. */
  batchToSpace(x: string, block: readonly [number, number], crops: readonly number[]): string {
    return this.op(
      'BatchToSpaceND',
      [x, this.ints(block, 'block'), this.constant(Int32Array.from(crops), [2, 2], 'crops')],
      {
        T: FLOAT,
        Tblock_shape: INT32,
        Tcrops: INT32,
      },
    );
  }

  // --- layers' workhorses -----------------------------------------------------------------------

  matMul(a: string, b: string): string {
    return this.op('MatMul', [a, b], {
      T: FLOAT,
      transpose_a: attr.bool(false),
      transpose_b: attr.bool(false),
    });
  }

  biasAdd(x: string, bias: string): string {
    return this.op('BiasAdd', [x, bias], { T: FLOAT, data_format: attr.string('NHWC') });
  }

  conv2d(x: string, kernel: string, window: WindowOptions): string {
    return this.op('Conv2D', [x, kernel], {
      T: FLOAT,
      strides: attr.ints([1, ...window.strides, 1]),
      padding: attr.string(window.padding),
      data_format: attr.string('NHWC'),
      dilations: attr.ints([1, ...(window.dilations ?? [1, 1]), 1]),
      use_cudnn_on_gpu: attr.bool(true),
    });
  }

  depthwiseConv2d(x: string, kernel: string, window: WindowOptions): string {
    return this.op('DepthwiseConv2dNative', [x, kernel], {
      T: FLOAT,
      strides: attr.ints([1, ...window.strides, 1]),
      padding: attr.string(window.padding),
      data_format: attr.string('NHWC'),
      dilations: attr.ints([1, ...(window.dilations ?? [1, 1]), 1]),
    });
  }

  /** `MaxPool` / `AvgPool` over a `pool` window. */
  pool(op: 'MaxPool' | 'AvgPool', x: string, pool: readonly [number, number], window: WindowOptions): string {
    return this.op(op, [x], {
      T: FLOAT,
      ksize: attr.ints([1, ...pool, 1]),
      strides: attr.ints([1, ...window.strides, 1]),
      padding: attr.string(window.padding),
      data_format: attr.string('NHWC'),
    });
  }
}
