/**
 * The few TensorFlow protocol buffers the graph engine writes (GraphDef, NodeDef, AttrValue,
 * TensorProto, ConfigProto), as protobufjs reflection types with their field numbers from
 * tensorflow/core/framework/*.proto and protobuf/config.proto. Only the fields we set are declared;
 * protobufjs encodes them exactly as TensorFlow's generated code would.
 */
import protobuf from 'protobufjs';

/** TensorFlow's DataType enum values we use. */
export const DataType = { float: 1, int32: 3, bool: 10, int64: 9, resource: 20 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

// protobufjs' JSON descriptor type omits map fields' `keyType`; the runtime reads it.
const root = protobuf.Root.fromJSON({
  nested: {
    tf: {
      nested: {
        Dim: { fields: { size: { type: 'int64', id: 1 } } },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 }, unknownRank: { type: 'bool', id: 3 } },
        },
        TensorProto: {
          fields: {
            dtype: { type: 'int32', id: 1 },
            tensorShape: { type: 'TensorShapeProto', id: 2 },
            tensorContent: { type: 'bytes', id: 4 },
          },
        },
        ListValue: {
          fields: {
            s: { rule: 'repeated', type: 'bytes', id: 2 },
            i: { rule: 'repeated', type: 'int64', id: 3 },
            f: { rule: 'repeated', type: 'float', id: 4 },
            type: { rule: 'repeated', type: 'int32', id: 6 },
          },
        },
        AttrValue: {
          oneofs: { value: { oneof: ['list', 's', 'i', 'f', 'b', 'type', 'shape', 'tensor'] } },
          fields: {
            list: { type: 'ListValue', id: 1 },
            s: { type: 'bytes', id: 2 },
            i: { type: 'int64', id: 3 },
            f: { type: 'float', id: 4 },
            b: { type: 'bool', id: 5 },
            type: { type: 'int32', id: 6 },
            shape: { type: 'TensorShapeProto', id: 7 },
            tensor: { type: 'TensorProto', id: 8 },
          },
        },
        NodeDef: {
          fields: {
            name: { type: 'string', id: 1 },
            op: { type: 'string', id: 2 },
            input: { rule: 'repeated', type: 'string', id: 3 },
            device: { type: 'string', id: 4 },
            attr: { keyType: 'string', type: 'AttrValue', id: 5 } as protobuf.IField,
          },
        },
        VersionDef: { fields: { producer: { type: 'int32', id: 1 } } },
        GraphDef: {
          fields: {
            node: { rule: 'repeated', type: 'NodeDef', id: 1 },
            versions: { type: 'VersionDef', id: 4 },
          },
        },
        GPUOptions: { fields: { allowGrowth: { type: 'bool', id: 4 } } },
        ConfigProto: {
          fields: {
            intraOpParallelismThreads: { type: 'int32', id: 2 },
            interOpParallelismThreads: { type: 'int32', id: 5 },
            gpuOptions: { type: 'GPUOptions', id: 6 },
            allowSoftPlacement: { type: 'bool', id: 7 },
            logDevicePlacement: { type: 'bool', id: 8 },
            usePerSessionThreads: { type: 'bool', id: 9 },
          },
        },
      },
    },
  },
});

/** An attribute value as protobufjs takes it (one of the AttrValue fields). */
export type AttrValue =
  | { list: { s?: Uint8Array[]; i?: number[]; f?: number[]; type?: number[] } }
  | { s: Uint8Array }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { type: number }
  | { shape: ShapeProto }
  | { tensor: { dtype: number; tensorShape: ShapeProto; tensorContent: Uint8Array } };
type ShapeProto = { dim: { size: number }[] } | { unknownRank: true };

/** One graph node. */
export interface NodeDef {
  name: string;
  op: string;
  input: string[];
  /** Where the node runs, e.g. `/device:GPU:0`; absent: TensorFlow's placer chooses. */
  device?: string;
  attr: Record<string, AttrValue>;
}

/**
 * GraphDef producer version: TF 2.21's own (TF_GRAPH_DEF_VERSION is 2xxx); any value ≥ the oldest
 * supported producer works, and a recent one opts out of compatibility rewrites of old graphs.
 */
const PRODUCER = 1994;

export function encodeGraphDef(nodes: readonly NodeDef[]): Uint8Array {
  const type = root.lookupType('tf.GraphDef');
  return type.encode(type.fromObject({ node: nodes, versions: { producer: PRODUCER } })).finish();
}

/** Options of {@link encodeConfig}. */
export interface SessionConfigOptions {
  intraOpThreads: number;
  interOpThreads: number;
  /**
   * The graph's nodes ask for a GPU: let ops without a GPU kernel fall back to the CPU
   * (allow_soft_placement) and take GPU memory as needed rather than all of it at start (allow_growth).
   * @default false
   */
  gpu?: boolean;
  /** Log each node's device at the session's first run (TensorFlow's log_device_placement). @default false */
  logDevicePlacement?: boolean;
}

/** Session options: thread pools of their own, sized as asked; GPU placement options when asked. */
export function encodeConfig(options: SessionConfigOptions): Uint8Array {
  const type = root.lookupType('tf.ConfigProto');
  return type
    .encode(
      type.fromObject({
        intraOpParallelismThreads: options.intraOpThreads,
        interOpParallelismThreads: options.interOpThreads,
        usePerSessionThreads: true,
        ...(options.gpu ? { allowSoftPlacement: true, gpuOptions: { allowGrowth: true } } : {}),
        ...(options.logDevicePlacement ? { logDevicePlacement: true } : {}),
      }),
    )
    .finish();
}

/** Decodes a GraphDef's nodes (tests and diagnostics read back what the compiler wrote). */
export function decodeGraphDef(bytes: Uint8Array): NodeDef[] {
  const type = root.lookupType('tf.GraphDef');
  const decoded = type.toObject(type.decode(bytes), { defaults: false, longs: Number, bytes: Array }) as {
    node?: NodeDef[];
  };
  return (decoded.node ?? []).map((n) => ({ ...n, input: n.input ?? [], attr: n.attr ?? {} }));
}

/** Decodes a ConfigProto (the fields declared here). */
export function decodeConfig(bytes: Uint8Array): Record<string, unknown> {
  const type = root.lookupType('tf.ConfigProto');
  return type.toObject(type.decode(bytes), { defaults: false });
}

const utf8 = new TextEncoder();

/** Attribute constructors, named after the AttrValue field they fill. */
export const attr = {
  type: (dtype: DataType): AttrValue => ({ type: dtype }),
  int: (value: number): AttrValue => ({ i: value }),
  float: (value: number): AttrValue => ({ f: value }),
  bool: (value: boolean): AttrValue => ({ b: value }),
  string: (value: string): AttrValue => ({ s: utf8.encode(value) }),
  ints: (values: readonly number[]): AttrValue => ({ list: { i: [...values] } }),
  shape: (dims: readonly number[]): AttrValue => ({ shape: { dim: dims.map((size) => ({ size })) } }),
  unknownShape: (): AttrValue => ({ shape: { unknownRank: true } }),
  tensor: (dtype: DataType, shape: readonly number[], data: Float32Array | Int32Array): AttrValue => ({
    tensor: {
      dtype,
      tensorShape: { dim: shape.map((size) => ({ size })) },
      tensorContent: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    },
  }),
};
