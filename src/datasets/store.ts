/** Allocation of image stores in shared memory, so pool threads read one copy without cloning. */
import { IMAGE_BYTES } from './types.js';

/** Pixel and label buffers of `count` images, both backed by SharedArrayBuffers, zero-filled. */
export function allocateSharedImages(count: number): { images: Uint8Array; labels: Uint8Array } {
  return {
    images: new Uint8Array(new SharedArrayBuffer(count * IMAGE_BYTES)),
    labels: new Uint8Array(new SharedArrayBuffer(count)),
  };
}
