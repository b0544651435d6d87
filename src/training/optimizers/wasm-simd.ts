/**
 * The fused Adam update as a WebAssembly SIMD kernel over the TF.js wasm backend's heap (see
 * `src/training/backends/wasm-kernels/wasm-asm.ts`). Each f32x4 operation is an IEEE float32 operation, applied
 * in `tf.train.adam`'s order, so results are bit-identical to it and to the scalar loop in adam.ts.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assemble, F32, forLoop, HeapModule, I32, op, V128 } from '../backends/wasm-kernels/wasm-asm.js';

/** Adam update of `bytes / 4` float32s (`bytes` a multiple of 16); pointers are byte offsets into the heap. */
export type SimdAdamUpdate = (
  out: number,
  gradient: number,
  value: number,
  m: number,
  v: number,
  bytes: number,
  beta1: number,
  beta2: number,
  oneMinusBeta1: number,
  oneMinusBeta2: number,
  oneMinusAccBeta1: number,
  oneMinusAccBeta2: number,
  epsilon: number,
  negLearningRate: number,
) => void;

// Parameters 0–5: out, g, value, m, v, byte count (i32); 6–13: the f32 constants.
const [OUT, G, VALUE, M, V, BYTES] = [0, 1, 2, 3, 4, 5];
const CONSTANTS = 8;
// Locals: 14 byte offset (i32); 15–22 splatted constants; 23 g, 24 new m, 25 new v (v128).
const I = 14;
const K = (c: number) => 15 + c; // c: 0 β1, 1 β2, 2 1−β1, 3 1−β2, 4 1−β1^t, 5 1−β2^t, 6 ε, 7 −lr
const GJ = 23;
const MJ = 24;
const VJ = 25;
const at = (pointer: number) => [...op.get(pointer), ...op.get(I), ...op.i32Add];
const { get, set, load, store, f32x4Mul: mul, f32x4Add: add, f32x4Div: div, f32x4Sqrt: sqrt } = op;

const body: number[] = [
  ...Array.from({ length: CONSTANTS }, (_, c) => [...get(6 + c), ...op.f32x4Splat, ...set(K(c))]).flat(),
  ...forLoop(I, BYTES, 16, [
    ...at(G),
    ...load,
    ...set(GJ),
    // m' = m·β1 + g·(1−β1)
    ...at(M),
    ...load,
    ...get(K(0)),
    ...mul,
    ...get(GJ),
    ...get(K(2)),
    ...mul,
    ...add,
    ...set(MJ),
    ...at(M),
    ...get(MJ),
    ...store,
    // v' = v·β2 + (g·g)·(1−β2)
    ...at(V),
    ...load,
    ...get(K(1)),
    ...mul,
    ...get(GJ),
    ...get(GJ),
    ...mul,
    ...get(K(3)),
    ...mul,
    ...add,
    ...set(VJ),
    ...at(V),
    ...get(VJ),
    ...store,
    // out = ((m'/(1−β1^t)) / (√(v'/(1−β2^t)) + ε))·(−lr) + value
    ...at(OUT),
    ...get(MJ),
    ...get(K(4)),
    ...div,
    ...get(VJ),
    ...get(K(5)),
    ...div,
    ...sqrt,
    ...get(K(6)),
    ...add,
    ...div,
    ...get(K(7)),
    ...mul,
    ...at(VALUE),
    ...load,
    ...add,
    ...store,
  ]),
];

const adamModule = new HeapModule(
  () =>
    assemble([
      {
        name: 'adam',
        params: [I32, I32, I32, I32, I32, I32, ...Array<number>(CONSTANTS).fill(F32)],
        locals: [I32, ...Array<number>(CONSTANTS + 3).fill(V128)],
        body,
      },
    ]),
  (exports) => exports['adam'] as SimdAdamUpdate,
);

/** The SIMD Adam update bound to `backend`'s heap, or undefined without wasm SIMD. */
export function simdAdamUpdate(backend: BackendWasm): SimdAdamUpdate | undefined {
  return adamModule.on(backend);
}
