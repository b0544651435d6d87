/**
 * The one image normalisation seedsweep uses, in training and in serving alike: uint8 pixels
 * (0..255) divided by 255 into float32 [0, 1]. No mean/std standardisation, no augmentation.
 */
import { IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from './types.js';

/** Machine-readable description of {@link normalizeImages}, written into model manifests. */
export const PREPROCESSING = {
  /** `output = input * scale + offset`, computed as `input / 255`. */
  kind: 'scale',
  scale: 1 / 255,
  offset: 0,
  inputDtype: 'uint8',
  outputDtype: 'float32',
  /** Value range of the output for valid input. */
  outputRange: [0, 1],
  layout: 'NHWC',
  imageShape: [IMAGE_HEIGHT, IMAGE_WIDTH, IMAGE_CHANNELS],
  augmentation: 'none',
} as const;

/** Options of {@link normalizeImages}. */
export interface NormalizeImagesOptions {
  /** Pixel values 0..255 (any layout; the order is kept). */
  bytes: ArrayLike<number>;
  /** Where to write; at least `bytes.length` long. @default a new Float32Array of `bytes.length` */
  out?: Float32Array;
}

/** Scales pixel values 0..255 to [0, 1] float32, element by element. Returns `out`. */
export function normalizeImages(options: NormalizeImagesOptions): Float32Array {
  const { bytes } = options;
  const n = bytes.length;
  const out = options.out ?? new Float32Array(n);
  if (out.length < n) throw new RangeError(`normalizeImages: out holds ${out.length} values, need ${n}`);
  for (let i = 0; i < n; i += 1) out[i] = (bytes[i] as number) / 255;
  return out;
}
