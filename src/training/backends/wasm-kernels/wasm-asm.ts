/**
 * A minimal WebAssembly assembler for small SIMD kernels that work directly on the TF.js wasm
 * backend's heap: a module imports the backend's `WebAssembly.Memory`, so kernels read and write
 * tensors in place, with no copies. The project has no wasm toolchain, so kernels are written as
 * stack programs with the helpers below (opcode names follow the WebAssembly text format).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128. */
export function sleb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const utf8 = (s: string): number[] => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** 16-byte alignment hint, offset 0 (misaligned addresses still work, just slower). */
const memarg = [0x04, 0x00];

/** Instructions, each a byte sequence. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  f32: (x: number) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32GeU: [0x4f],
  i32LtU: [0x49],
  /** `select`: the first operand if the i32 condition is non-zero, else the second. */
  select: [0x1b],
  /** `block … end` around `body` (a `br 1` from the loop inside leaves it). */
  block: (body: number[]) => [0x02, 0x40, ...body, 0x0b],
  loop: (body: number[]) => [0x03, 0x40, ...body, 0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  load: [...simd(0x00), ...memarg],
  store: [...simd(0x0b), ...memarg],
  /** `v128.load` / `v128.store` / `v128.load32_splat` at a constant byte offset from the address. */
  loadAt: (offset: number) => [...simd(0x00), 0x04, ...uleb(offset)],
  storeAt: (offset: number) => [...simd(0x0b), 0x04, ...uleb(offset)],
  load32SplatAt: (offset: number) => [...simd(0x09), 0x02, ...uleb(offset)],
  f32x4Splat: simd(0x13),
  /** `i8x16.shuffle` of the two vectors on the stack: byte `i` of the result is byte `lanes[i]` of their concatenation. */
  shuffle: (lanes: number[]) => [...simd(0x0d), ...lanes],
  f32x4Gt: simd(0x44),
  and: simd(0x4e),
  andNot: simd(0x4f),
  bitselect: simd(0x52),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
} as const;

/**
 * `for (i = start; i < end; i += step) body`, with `i`, `end` locals: a block holding a loop whose
 * first instruction leaves when `i >= end` (unsigned).
 */
export function forLoop(i: number, end: number, step: number, body: number[]): number[] {
  return op.block(
    op.loop([
      ...op.get(i),
      ...op.get(end),
      ...op.i32GeU,
      ...op.brIf(1),
      ...body,
      ...op.get(i),
      ...op.i32(step),
      ...op.i32Add,
      ...op.set(i),
      ...op.br(0),
    ]),
  );
}

/** One exported function of a module. */
export interface WasmFunction {
  name: string;
  params: number[];
  /** Extra locals after the parameters, by type. */
  locals: number[];
  body: number[];
}

/** The bytes of a module importing `env.memory` and exporting `functions`. */
export function assemble(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec([])]);
  const codes = functions.map((f) => {
    const locals = vec(f.locals.map((t) => [...uleb(1), t]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...utf8('env'), ...utf8('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(codes)),
  ]);
}

/** The `WebAssembly` API used here (the project's type libraries leave it out). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The parts of the backend's emscripten module the SIMD kernels use. */
export interface EmscriptenHeap {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  /** The module's exports; `memory` is the heap's `WebAssembly.Memory`. */
  asm?: { memory?: unknown };
}

/** The emscripten module behind a wasm backend. */
export function emscripten(backend: BackendWasm): EmscriptenHeap {
  return backend.wasm as unknown as EmscriptenHeap;
}

/** Byte offset of a tensor's data on the wasm heap. */
export function heapPointer(backend: BackendWasm, tensor: { dataId: object }): number {
  const data = backend.dataIdMap.get(tensor.dataId);
  if (data === undefined) throw new Error('tensor has no data on the wasm heap.');
  return data.memoryOffset;
}

/**
 * A module built from {@link assemble} and instantiated once per backend heap. `on` returns
 * undefined when the runtime has no wasm SIMD (the module fails to validate) or the heap is not
 * reachable; callers then take their scalar paths.
 */
export class HeapModule<T> {
  private compiled: object | undefined;
  private readonly instances = new WeakMap<object, T | null>();

  constructor(
    private readonly build: () => Uint8Array,
    private readonly bind: (exports: Record<string, unknown>) => T,
  ) {}

  on(backend: BackendWasm): T | undefined {
    const memory = emscripten(backend).asm?.memory;
    if (wasmApi === undefined || !(memory instanceof wasmApi.Memory)) return undefined;
    const cached = this.instances.get(memory);
    if (cached !== undefined) return cached ?? undefined;
    let bound: T | null;
    try {
      this.compiled ??= new wasmApi.Module(this.build());
      bound = this.bind(new wasmApi.Instance(this.compiled, { env: { memory } }).exports);
    } catch {
      bound = null;
    }
    this.instances.set(memory, bound);
    return bound ?? undefined;
  }
}
