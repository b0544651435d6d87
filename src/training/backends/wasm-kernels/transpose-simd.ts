/**
 * Fast 2-D transpose on the wasm backend: 4×4 blocks moved with eight `i8x16.shuffle`s each
 * (WebAssembly SIMD, see wasm-asm.ts). The built-in `Transpose` kernel moves one element at a time
 * (~7 ns each here), which made every transposed product pay more for the transpose than for the
 * multiplication. Exact: it only moves bits.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assemble, forLoop, HeapModule, heapPointer, I32, op, V128 } from './wasm-asm.js';
import { runOriginal } from './wasm-heap.js';

/** Transpose a row-major [rows, cols] float32 matrix at byte offset `src` into [cols, rows] at `dst` (both multiples of 4). */
export type SimdTranspose = (src: number, dst: number, rows: number, cols: number) => void;

// Parameters 0 src, 1 dst, 2 rows, 3 cols; i32 locals 4 rb, 5 cb, 6 source block, 7 destination block,
// 8 source row bytes, 9 destination row bytes; v128 locals 10–13 rows, 14–17 pair-interleaved halves.
const [SRC, DST, ROWS, COLS, RB, CB, SP, DP, SROW, DROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const R = (i: number) => 10 + i;
const T = (i: number) => 14 + i;
// i32 locals 18 strip start, 19 strip end.
const [RB0, REND] = [18, 19];
const STRIP = 16;
const { get, set, tee, i32Add, i32Mul } = op;

const bytes = (...words: number[]) => words.flatMap((w) => [4 * w, 4 * w + 1, 4 * w + 2, 4 * w + 3]);
// Words 0–3 come from the first vector, 4–7 from the second.
const LOW_PAIRS = bytes(0, 4, 1, 5); // (a0, b0, a1, b1)
const HIGH_PAIRS = bytes(2, 6, 3, 7); // (a2, b2, a3, b3)
const LOW_HALVES = bytes(0, 1, 4, 5); // (a0, a1, b0, b1)
const HIGH_HALVES = bytes(2, 3, 6, 7); // (a2, a3, b2, b3)

const body = [
  ...get(COLS),
  ...op.i32(4),
  ...i32Mul,
  ...set(SROW),
  ...get(ROWS),
  ...op.i32(4),
  ...i32Mul,
  ...set(DROW),
  // Strips of 16 rows: within a strip, each output row receives 64 contiguous bytes (a cache line).
  ...forLoop(RB0, ROWS, STRIP, [
    ...op.i32(0),
    ...set(CB),
    ...forLoop(CB, COLS, 4, [
      ...get(RB0),
      ...set(RB),
      ...get(RB0),
      ...op.i32(STRIP),
      ...i32Add,
      ...tee(REND),
      ...get(ROWS),
      ...get(REND),
      ...get(ROWS),
      ...op.i32LtU,
      ...op.select,
      ...set(REND),
      ...forLoop(RB, REND, 4, [
        // sp = src + (rb·cols + cb)·4; dp = dst + (cb·rows + rb)·4
        ...get(SRC),
        ...get(RB),
        ...get(COLS),
        ...i32Mul,
        ...get(CB),
        ...i32Add,
        ...op.i32(4),
        ...i32Mul,
        ...i32Add,
        ...set(SP),
        ...get(DST),
        ...get(CB),
        ...get(ROWS),
        ...i32Mul,
        ...get(RB),
        ...i32Add,
        ...op.i32(4),
        ...i32Mul,
        ...i32Add,
        ...set(DP),
        ...[0, 1, 2, 3].flatMap((i) => [
          ...get(SP),
          ...op.load,
          ...set(R(i)),
          ...get(SP),
          ...get(SROW),
          ...i32Add,
          ...set(SP),
        ]),
        ...get(R(0)),
        ...get(R(1)),
        ...op.shuffle(LOW_PAIRS),
        ...set(T(0)),
        ...get(R(0)),
        ...get(R(1)),
        ...op.shuffle(HIGH_PAIRS),
        ...set(T(1)),
        ...get(R(2)),
        ...get(R(3)),
        ...op.shuffle(LOW_PAIRS),
        ...set(T(2)),
        ...get(R(2)),
        ...get(R(3)),
        ...op.shuffle(HIGH_PAIRS),
        ...set(T(3)),
        // Column j of the block: (r0[j], r1[j], r2[j], r3[j]).
        ...get(DP),
        ...get(T(0)),
        ...get(T(2)),
        ...op.shuffle(LOW_HALVES),
        ...op.store,
        ...get(DP),
        ...get(DROW),
        ...i32Add,
        ...tee(DP),
        ...get(T(0)),
        ...get(T(2)),
        ...op.shuffle(HIGH_HALVES),
        ...op.store,
        ...get(DP),
        ...get(DROW),
        ...i32Add,
        ...tee(DP),
        ...get(T(1)),
        ...get(T(3)),
        ...op.shuffle(LOW_HALVES),
        ...op.store,
        ...get(DP),
        ...get(DROW),
        ...i32Add,
        ...tee(DP),
        ...get(T(1)),
        ...get(T(3)),
        ...op.shuffle(HIGH_HALVES),
        ...op.store,
      ]),
    ]),
  ]),
];

const transposeModule = new HeapModule(
  () =>
    assemble([
      {
        name: 'transpose',
        params: [I32, I32, I32, I32],
        locals: [...Array<number>(6).fill(I32), ...Array<number>(8).fill(V128), I32, I32],
        body,
      },
    ]),
  (exports) => exports['transpose'] as SimdTranspose,
);

/** The SIMD transpose bound to `backend`'s heap, or undefined without wasm SIMD. */
export function simdTranspose(backend: BackendWasm): SimdTranspose | undefined {
  return transposeModule.on(backend);
}

/**
 * A new [batch, cols, rows] tensor holding the transpose of each [rows, cols] matrix of `t`
 * (float32, shape [batch, rows, cols]): SIMD when both sizes are multiples of 4, else the built-in kernel.
 */
export function transposeMatrices(backend: BackendWasm, t: TensorInfo): TensorInfo {
  const [batch, rows, cols] = t.shape as [number, number, number];
  const simd = t.dtype === 'float32' && rows % 4 === 0 && cols % 4 === 0 ? simdTranspose(backend) : undefined;
  if (simd === undefined) return runOriginal('Transpose', backend, { x: t }, { perm: [0, 2, 1] });
  const out = backend.makeOutput([batch, cols, rows], 'float32');
  const src = heapPointer(backend, t);
  const dst = heapPointer(backend, out);
  for (let i = 0; i < batch; i++) simd(src + i * rows * cols * 4, dst + i * rows * cols * 4, rows, cols);
  return out;
}
