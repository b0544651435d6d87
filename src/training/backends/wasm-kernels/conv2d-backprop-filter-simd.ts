/**
 * Direct WebAssembly SIMD filter gradient, for output channels a multiple of 16: no im2col copy and
 * no XNNPACK weight packing (which, with the huge contraction of a filter gradient, costs more than
 * the product itself in the first layer). For one row of output pixels it accumulates
 * dW[k, co] += Σ_t x[t·xStep + k] · dy[t·dyStep + co] over "virtual input channels" k, which are the
 * input channels of one filter tap, or the KW·Ci consecutive values of a whole filter row when all
 * taps of the row see the same output columns (unit dilation: they are adjacent in NHWC memory and
 * in the filter). Tiles of 2 k-rows × 16 output channels keep eight f32x4 accumulators in registers.
 * The summation order is fixed (row by row, pixel by pixel), so results are deterministic.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assemble, forLoop, HeapModule, I32, op, V128, type WasmFunction } from './wasm-asm.js';

/**
 * `dw[r, co] += Σ_{t<count} x[t·xStep + r] · dy[t·dyStep + co]` for r < `rows`·groups (byte
 * pointers and strides; `coBytes` = output channels × 4, a multiple of 64). `accumulate2` takes
 * k-rows two at a time, `accumulate1` one at a time.
 */
export type FilterRowAccumulator = (
  x: number,
  dy: number,
  dw: number,
  count: number,
  xStep: number,
  dyStep: number,
  groups: number,
  coBytes: number,
) => void;

// Parameters.
const [X, DY, DW, COUNT, X_STEP, DY_STEP, GROUPS, CO_BYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
// i32 locals.
const [G, CB, T, XP, DP, DW0, DW1] = [8, 9, 10, 11, 12, 13, 14];
/** First v128 local: accumulators (rows × 4), then splatted x values (rows), then the dy vector. */
const V = 15;
const { get, set, tee, i32Add, i32Mul } = op;

function accumulator(rows: 1 | 2): WasmFunction {
  const acc = (r: number, j: number) => V + r * 4 + j;
  const splat = (r: number) => V + rows * 4 + r;
  const dyVec = V + rows * 5;
  const rowPointer = (r: number) => (r === 0 ? DW0 : DW1);
  const body = [
    ...forLoop(G, GROUPS, 1, [
      ...op.i32(0),
      ...set(CB),
      ...forLoop(CB, CO_BYTES, 64, [
        // dw0 = dw + g·rows·coBytes + cb; dw1 = dw0 + coBytes.
        ...get(DW),
        ...get(G),
        ...op.i32(rows),
        ...i32Mul,
        ...get(CO_BYTES),
        ...i32Mul,
        ...i32Add,
        ...get(CB),
        ...i32Add,
        ...tee(DW0),
        ...get(CO_BYTES),
        ...i32Add,
        ...set(DW1),
        ...Array.from({ length: rows }, (_, r) =>
          Array.from({ length: 4 }, (_, j) => [
            ...get(rowPointer(r)),
            ...op.loadAt(16 * j),
            ...set(acc(r, j)),
          ]).flat(),
        ).flat(),
        // xp = x + g·rows·4; dp = dy + cb.
        ...get(X),
        ...get(G),
        ...op.i32(rows * 4),
        ...i32Mul,
        ...i32Add,
        ...set(XP),
        ...get(DY),
        ...get(CB),
        ...i32Add,
        ...set(DP),
        ...op.i32(0),
        ...set(T),
        ...forLoop(T, COUNT, 1, [
          ...Array.from({ length: rows }, (_, r) => [
            ...get(XP),
            ...op.load32SplatAt(4 * r),
            ...set(splat(r)),
          ]).flat(),
          ...Array.from({ length: 4 }, (_, j) => [
            ...get(DP),
            ...op.loadAt(16 * j),
            ...set(dyVec),
            ...Array.from({ length: rows }, (_, r) => [
              ...get(acc(r, j)),
              ...get(splat(r)),
              ...get(dyVec),
              ...op.f32x4Mul,
              ...op.f32x4Add,
              ...set(acc(r, j)),
            ]).flat(),
          ]).flat(),
          ...get(XP),
          ...get(X_STEP),
          ...i32Add,
          ...set(XP),
          ...get(DP),
          ...get(DY_STEP),
          ...i32Add,
          ...set(DP),
        ]),
        ...Array.from({ length: rows }, (_, r) =>
          Array.from({ length: 4 }, (_, j) => [
            ...get(rowPointer(r)),
            ...get(acc(r, j)),
            ...op.storeAt(16 * j),
          ]).flat(),
        ).flat(),
      ]),
    ]),
  ];
  return {
    name: `accumulate${rows}`,
    params: Array<number>(8).fill(I32),
    locals: [...Array<number>(7).fill(I32), ...Array<number>(rows * 5 + 1).fill(V128)],
    body,
  };
}

const filterModule = new HeapModule(
  () => assemble([accumulator(1), accumulator(2)]),
  (exports) => ({
    accumulate1: exports['accumulate1'] as FilterRowAccumulator,
    accumulate2: exports['accumulate2'] as FilterRowAccumulator,
  }),
);

/** The SIMD accumulators bound to `backend`'s heap, or undefined without wasm SIMD. */
export function simdFilterAccumulators(
  backend: BackendWasm,
): { accumulate1: FilterRowAccumulator; accumulate2: FilterRowAccumulator } | undefined {
  return filterModule.on(backend);
}
