/**
 * A small TensorFlow graph writer: each call adds one node and returns its output name ("node" or
 * "node:k"), so a graph reads like the computation. Names are unique per builder.
 */
import { attr, DataType, encodeGraphDef, type AttrValue, type NodeDef } from './proto.js';

/** Options of {@link GraphBuilder}. */
export interface GraphBuilderOptions {
  /** Device of every node, e.g. `/device:GPU:0`. @default none: TensorFlow's placer chooses */
  device?: string;
}

export class GraphBuilder {
  private readonly nodes: NodeDef[] = [];
  private readonly used = new Set<string>();
  private readonly device: string | undefined;

  constructor(options: GraphBuilderOptions = {}) {
    this.device = options.device;
  }

  /** Adds a node of op `op`; `name` is made unique. Returns the node name (its output 0). */
  op(op: string, name: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    let unique = name;
    for (let i = 1; this.used.has(unique); i++) unique = `${name}_${i}`;
    this.used.add(unique);
    this.nodes.push({
      name: unique,
      op,
      input: [...inputs],
      attr: attrs,
      ...(this.device === undefined ? {} : { device: this.device }),
    });
    return unique;
  }

  /** A fed input; `shape` may hold -1 for an unknown dimension. */
  placeholder(name: string, dtype: DataType, shape: readonly number[]): string {
    return this.op('Placeholder', name, [], { dtype: attr.type(dtype), shape: attr.shape(shape) });
  }

  constant(name: string, value: Float32Array | Int32Array, shape: readonly number[]): string {
    const dtype = value instanceof Int32Array ? DataType.int32 : DataType.float;
    return this.op('Const', name, [], { dtype: attr.type(dtype), value: attr.tensor(dtype, shape, value) });
  }

  scalar(name: string, value: number): string {
    return this.constant(name, Float32Array.of(value), []);
  }

  ints(name: string, values: readonly number[]): string {
    return this.constant(name, Int32Array.from(values), [values.length]);
  }

  /** Binary float op (`Mul`, `Sub`, ...). */
  binary(op: string, name: string, a: string, b: string): string {
    return this.op(op, name, [a, b], { T: attr.type(DataType.float) });
  }

  /** A NoOp that runs after `dependencies` (control inputs). */
  group(name: string, dependencies: readonly string[]): string {
    return this.op(
      'NoOp',
      name,
      dependencies.map((d) => `^${d.split(':')[0]}`),
    );
  }

  toGraphDef(): Uint8Array {
    return encodeGraphDef(this.nodes);
  }
}
