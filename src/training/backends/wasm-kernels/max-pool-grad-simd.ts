/**
 * WebAssembly SIMD routing for the common max pool: 2×2 windows, stride 2, no padding, channels a
 * multiple of 4. Four channels at a time, it compares the window's four values in row-major order
 * with the same strict `>` as the scalar path (starting from −∞, so NaNs and −∞ never win) and
 * writes each of the four positions: the gradient where that position is the first maximum, else
 * zero. Every dx value is written exactly once, so no zero-fill pass is needed.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assemble, forLoop, HeapModule, I32, op, V128 } from './wasm-asm.js';

/**
 * Route one row of windows: `outWidth` windows whose top-left input pixel is at `x` (byte offset;
 * pixel stride 2·`channelBytes`, next input row at `x + rowBytes`), gradient row `dy`, output `dx`
 * laid out like `x`.
 */
export type PoolRowRouter = (
  x: number,
  dy: number,
  dx: number,
  outWidth: number,
  channelBytes: number,
  rowBytes: number,
) => void;

// Parameters: 0 x, 1 dy, 2 dx, 3 outWidth, 4 channelBytes, 5 rowBytes.
const [X, DY, DX, OUT_W, C_BYTES, ROW] = [0, 1, 2, 3, 4, 5];
// i32 locals: 6 ow, 7 c, 8 window offset into x/dx, 9 dy offset.
const [OW, C, WIN, DYO] = [6, 7, 8, 9];
// v128 locals: 10–13 the window's values, 14 best so far, 15–18 "beats the earlier ones" masks, 19 gradient.
const [V00, V01, V10, V11, BEST, M0, M1, M2, M3, GRAD] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
const { get, set, tee, load, store, i32Add } = op;

/** Address `base + WIN + c (+ extra local offsets)`. */
const addr = (base: number, ...extra: number[]) => [
  ...get(base),
  ...get(WIN),
  ...i32Add,
  ...get(C),
  ...i32Add,
  ...extra.flatMap((e) => [...get(e), ...i32Add]),
];

const body: number[] = [
  ...forLoop(OW, OUT_W, 1, [
    // Window offset: ow · 2 · channelBytes; gradient offset: ow · channelBytes.
    ...get(OW),
    ...get(C_BYTES),
    ...op.i32Mul,
    ...tee(DYO),
    ...get(DYO),
    ...i32Add,
    ...set(WIN),
    ...op.i32(0),
    ...set(C),
    ...forLoop(C, C_BYTES, 16, [
      ...addr(X),
      ...load,
      ...set(V00),
      ...addr(X, C_BYTES),
      ...load,
      ...set(V01),
      ...addr(X, ROW),
      ...load,
      ...set(V10),
      ...addr(X, ROW, C_BYTES),
      ...load,
      ...set(V11),
      // best = −∞; each value that beats best (strict >) takes over, in row-major order.
      ...get(V00),
      ...op.f32(Number.NEGATIVE_INFINITY),
      ...op.f32x4Splat,
      ...op.f32x4Gt,
      ...set(M0),
      ...get(V00),
      ...op.f32(Number.NEGATIVE_INFINITY),
      ...op.f32x4Splat,
      ...get(M0),
      ...op.bitselect,
      ...set(BEST),
      ...get(V01),
      ...get(BEST),
      ...op.f32x4Gt,
      ...set(M1),
      ...get(V01),
      ...get(BEST),
      ...get(M1),
      ...op.bitselect,
      ...set(BEST),
      ...get(V10),
      ...get(BEST),
      ...op.f32x4Gt,
      ...set(M2),
      ...get(V10),
      ...get(BEST),
      ...get(M2),
      ...op.bitselect,
      ...set(BEST),
      ...get(V11),
      ...get(BEST),
      ...op.f32x4Gt,
      ...set(M3),
      // The last position that beat its predecessors is the first maximum.
      ...get(DY),
      ...get(DYO),
      ...i32Add,
      ...get(C),
      ...i32Add,
      ...load,
      ...set(GRAD),
      ...addr(DX, ROW, C_BYTES),
      ...get(GRAD),
      ...get(M3),
      ...op.and,
      ...store,
      ...get(GRAD),
      ...get(M3),
      ...op.andNot,
      ...set(GRAD),
      ...addr(DX, ROW),
      ...get(GRAD),
      ...get(M2),
      ...op.and,
      ...store,
      ...get(GRAD),
      ...get(M2),
      ...op.andNot,
      ...set(GRAD),
      ...addr(DX, C_BYTES),
      ...get(GRAD),
      ...get(M1),
      ...op.and,
      ...store,
      ...get(GRAD),
      ...get(M1),
      ...op.andNot,
      ...set(GRAD),
      ...addr(DX),
      ...get(GRAD),
      ...get(M0),
      ...op.and,
      ...store,
    ]),
  ]),
];

const poolModule = new HeapModule(
  () =>
    assemble([
      {
        name: 'route',
        params: [I32, I32, I32, I32, I32, I32],
        locals: [I32, I32, I32, I32, ...Array<number>(10).fill(V128)],
        body,
      },
    ]),
  (exports) => exports['route'] as PoolRowRouter,
);

/** The SIMD row router bound to `backend`'s heap, or undefined without wasm SIMD. */
export function simdPoolRowRouter(backend: BackendWasm): PoolRowRouter | undefined {
  return poolModule.on(backend);
}
