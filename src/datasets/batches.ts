/** Gathers training/evaluation batches from a shared image store, normalised as in serving. */
import { normalizeImages } from './preprocess.js';
import { IMAGE_BYTES, type ImageStore } from './types.js';

/** Options of {@link fillBatch}. */
export interface FillBatchOptions {
  /** The shared store to read (never modified). */
  store: ImageStore;
  /** Store indices to draw from, e.g. a split's `train` in an epoch's shuffled order. */
  indices: Int32Array;
  /** First position in `indices` to take. */
  start: number;
  /** Number of images to gather (`start + count <= indices.length`). */
  count: number;
  /** Output, at least `count × 32 × 32 × 3` float32 values, NHWC, filled with pixel/255. */
  pixels: Float32Array;
  /** Output, at least `count` labels 0..9. */
  labels: Int32Array;
}

/** Copies `count` images by index into `pixels` (normalised to [0, 1]) and their labels into `labels`. */
export function fillBatch(options: FillBatchOptions): void {
  const { store, indices, start, count, pixels, labels } = options;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 0 ||
    start + count > indices.length
  ) {
    throw new RangeError(
      `fillBatch: rows [${start}, ${start + count}) outside the ${indices.length} indices`,
    );
  }
  if (pixels.length < count * IMAGE_BYTES)
    throw new RangeError(`fillBatch: pixels holds ${pixels.length} values, need ${count * IMAGE_BYTES}`);
  if (labels.length < count)
    throw new RangeError(`fillBatch: labels holds ${labels.length} values, need ${count}`);
  for (let row = 0; row < count; row += 1) {
    const index = indices[start + row] as number;
    if (index < 0 || index >= store.count)
      throw new RangeError(`fillBatch: index ${index} outside the store (${store.count} images)`);
    const offset = index * IMAGE_BYTES;
    normalizeImages({
      bytes: store.images.subarray(offset, offset + IMAGE_BYTES),
      out: pixels.subarray(row * IMAGE_BYTES, (row + 1) * IMAGE_BYTES),
    });
    labels[row] = store.labels[index] as number;
  }
}
