/**
 * A built-in image split (CIFAR-10 or synthetic, in the shared store) as model-trainable data: each
 * split an indexed source gathering normalised 32×32×3 images and class indices with `fillBatch`
 * (no copy of the store), plus the class names, pixel scaling and synthetic flag a saved model's
 * manifest records. What the study's image classifier trains on when built with `defineModelTrainable`.
 */
import { fillBatch } from '../../datasets/batches.js';
import { PREPROCESSING } from '../../datasets/preprocess.js';
import {
  IMAGE_CHANNELS,
  IMAGE_HEIGHT,
  IMAGE_WIDTH,
  type DatasetSplit,
  type ImageStore,
} from '../../datasets/types.js';
import type { FitData, IndexedSource } from './definition.js';

/** The images `ids` of `store` (store indices) as an indexed source. */
export function imageSource(store: ImageStore, ids: Int32Array): IndexedSource {
  let scratch = new Int32Array(0);
  return {
    size: ids.length,
    inputShapes: [[IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS]],
    targetShape: [],
    fill(indices, start, count, batch) {
      if (scratch.length < count) scratch = new Int32Array(count);
      for (let k = 0; k < count; k++) scratch[k] = ids[indices[start + k]!]!;
      fillBatch({
        store,
        indices: scratch,
        start: 0,
        count,
        pixels: batch.inputs[0] as Float32Array,
        labels: batch.targets[0] as Int32Array,
      });
    },
  };
}

/** A split's train and test images, with what the manifest says about them. */
export function imageSplitData(split: DatasetSplit): FitData {
  return {
    train: imageSource(split.store, split.train),
    test: imageSource(split.store, split.test),
    classNames: split.store.classNames,
    preprocessing: { kind: PREPROCESSING.kind, scale: PREPROCESSING.scale },
    synthetic: split.store.synthetic,
  };
}
