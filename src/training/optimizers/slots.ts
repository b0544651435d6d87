/**
 * Per-variable optimiser state ("slots", e.g. Adam's first and second moments), zero-filled (or
 * filled with a given initial value) at the first step like `tf.train`'s, and their checkpoint
 * form. A slot lives either in a JS `Float32Array` or, for the SIMD kernels, in a block of the wasm
 * backend's heap that this set allocates and frees ({@link SlotSet.dispose}).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../../core/common/errors.js';
import type { CheckpointArray } from '../runner/checkpoint.js';
import { emscripten } from './tensor-memory.js';

interface Slot {
  name: string;
  shape: number[];
  size: number;
  /** The values while they live in JS. */
  data?: Float32Array;
  /** The values' byte offset while they live on `backend`'s heap. */
  pointer?: number;
  backend?: BackendWasm;
}

function heapView(slot: Slot): Float32Array {
  return new Float32Array(emscripten(slot.backend!).HEAPF32.buffer, slot.pointer!, slot.size);
}

/** One slot kind (e.g. `m`) for every variable, in variable order. */
export class SlotSet {
  private slots: Slot[] = [];

  /**
   * @param suffix name suffix in checkpoints, as `tf.train` writes it (`m` ⇒ `<variable>/m`).
   * @param initialValue what a new slot holds before the first step (Adagrad's accumulator starts at 0.1).
   */
  constructor(
    private readonly suffix: string,
    private readonly initialValue = 0,
  ) {}

  private slot(index: number, variable: tf.Variable): Slot {
    let slot = this.slots[index];
    if (slot === undefined) {
      slot = {
        name: `${variable.name}/${this.suffix}`,
        shape: [...variable.shape],
        size: variable.size,
        data: new Float32Array(variable.size).fill(this.initialValue),
      };
      this.slots[index] = slot;
    } else if (slot.size !== variable.size) {
      throw new UserError(
        'E_CHECKPOINT_MISMATCH',
        `optimiser state '${slot.name}' holds ${slot.size} values but variable ${variable.name} has ${variable.size}.`,
      );
    }
    return slot;
  }

  /** The slot of variable `index` as a JS array (moved off the heap if it was there). */
  array(index: number, variable: tf.Variable): Float32Array {
    const slot = this.slot(index, variable);
    if (slot.data === undefined) {
      slot.data = Float32Array.from(heapView(slot));
      this.free(slot);
    }
    return slot.data;
  }

  /** The byte offset of the slot of variable `index` on `backend`'s heap (moved there if needed). */
  pointer(index: number, variable: tf.Variable, backend: BackendWasm): number {
    const slot = this.slot(index, variable);
    if (slot.pointer !== undefined && slot.backend === backend) return slot.pointer;
    const values = slot.data ?? Float32Array.from(heapView(slot));
    this.free(slot);
    slot.backend = backend;
    const pointer = emscripten(backend)._malloc(slot.size * 4);
    slot.pointer = pointer;
    heapView(slot).set(values); // after the allocation: growing the heap detaches older views
    delete slot.data;
    return pointer;
  }

  /** Copies of the slots, as checkpoint entries. */
  save(): CheckpointArray[] {
    return this.slots.map((s) => ({
      name: s.name,
      shape: [...s.shape],
      data: Float32Array.from(s.data ?? heapView(s)),
    }));
  }

  /** Replaces the slots with copies of `entries`. */
  load(entries: readonly CheckpointArray[]): void {
    this.dispose();
    this.slots = entries.map((e) => {
      if (!(e.data instanceof Float32Array))
        throw new UserError('E_CHECKPOINT_CORRUPT', `optimiser state '${e.name}' is not float32.`);
      return { name: e.name, shape: [...e.shape], size: e.data.length, data: Float32Array.from(e.data) };
    });
  }

  /** Frees the heap blocks (the set is empty afterwards). */
  dispose(): void {
    for (const slot of this.slots) this.free(slot);
    this.slots = [];
  }

  private free(slot: Slot): void {
    if (slot.pointer !== undefined)
      if (slot.backend !== undefined) emscripten(slot.backend)._free(slot.pointer);
    delete slot.pointer;
    delete slot.backend;
  }
}

/** Reads the `iter` entry that starts a state (an int32 scalar, as `tf.train` writes it). */
export function readIterations(arrays: readonly CheckpointArray[]): number {
  const first = arrays[0];
  if (first?.name !== 'iter' || first.data.length !== 1)
    throw new UserError('E_CHECKPOINT_CORRUPT', "optimiser state does not start with its 'iter' entry.");
  return first.data[0] as number;
}

/** The `iter` entry of a state. */
export function iterationsEntry(iterations: number): CheckpointArray {
  return { name: 'iter', shape: [], data: Int32Array.of(iterations) };
}

/** Splits the per-variable entries of a state into `parts` equal runs (`tf.train`'s `setWeights` rule). */
export function splitSlots(arrays: readonly CheckpointArray[], parts: number): CheckpointArray[][] {
  const slots = arrays.slice(1).filter((a) => !a.name.startsWith('seedsweep:'));
  if (slots.length % parts !== 0)
    throw new UserError(
      'E_CHECKPOINT_CORRUPT',
      `optimiser state has ${slots.length} slot arrays, not a multiple of ${parts}.`,
    );
  const n = slots.length / parts;
  return Array.from({ length: parts }, (_, i) => slots.slice(i * n, (i + 1) * n));
}
