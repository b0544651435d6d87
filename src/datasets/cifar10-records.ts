/**
 * The CIFAR-10 binary record format: each record is 1 label byte (0–9) then the red, green and blue
 * 32×32 planes (1,024 bytes each, row-major). Decoding converts the planes to interleaved HWC once.
 */
import { UserError } from '../core/common/errors.js';
import { IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from './types.js';

/** Bytes per record: label + 3 planes. */
export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES;
/** Folder name inside the official archive. */
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';
/** Training batch files, in store order (records of batch 1 first). */
export const CIFAR10_TRAIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
] as const;
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_META_FILE = 'batches.meta.txt';
/** Records per file in the official release. */
export const CIFAR10_RECORDS_PER_FILE = 10_000;
const PLANE = IMAGE_HEIGHT * IMAGE_WIDTH;

/** Number of whole records in a batch file of `byteLength` bytes; a UserError if it is not whole. */
export function recordCount(options: { byteLength: number; source: string }): number {
  const { byteLength, source } = options;
  if (byteLength === 0 || byteLength % CIFAR10_RECORD_BYTES !== 0) {
    throw new UserError(
      'E_DATASET_CORRUPT',
      `${source} has ${byteLength} bytes, not a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records (expected ${CIFAR10_RECORDS_PER_FILE * CIFAR10_RECORD_BYTES}); the file is truncated or not CIFAR-10 binary data — re-download or re-extract cifar-10-binary.tar.gz`,
    );
  }
  return byteLength / CIFAR10_RECORD_BYTES;
}

/** Options of {@link decodeCifarRecords}. */
export interface DecodeCifarRecordsOptions {
  /** Raw records (a whole number of 3,073-byte records). */
  records: Uint8Array;
  /** Destination pixels, NHWC uint8; record r goes to image `firstImage + r`. */
  images: Uint8Array;
  /** Destination labels. */
  labels: Uint8Array;
  /** Store index of the first record. */
  firstImage: number;
  /** Names the file in error messages. */
  source: string;
}

/** Writes the records' labels and CHW planes as HWC pixels into the store; rejects labels outside 0–9. */
export function decodeCifarRecords(options: DecodeCifarRecordsOptions): number {
  const { records, images, labels, firstImage, source } = options;
  const count = recordCount({ byteLength: records.length, source });
  for (let r = 0; r < count; r += 1) {
    const base = r * CIFAR10_RECORD_BYTES;
    const label = records[base] as number;
    if (label > 9) {
      throw new UserError(
        'E_DATASET_CORRUPT',
        `${source}: record ${r} has label ${label}, CIFAR-10 labels are 0–9; the file is corrupt or not CIFAR-10 — re-download it`,
      );
    }
    labels[firstImage + r] = label;
    const out = (firstImage + r) * IMAGE_BYTES;
    const red = base + 1;
    for (let p = 0; p < PLANE; p += 1) {
      const o = out + p * IMAGE_CHANNELS;
      images[o] = records[red + p] as number;
      images[o + 1] = records[red + PLANE + p] as number;
      images[o + 2] = records[red + 2 * PLANE + p] as number;
    }
  }
  return count;
}

/** Class names from `batches.meta.txt`: ten non-empty lines. */
export function parseClassNames(options: { text: string; source: string }): string[] {
  const names = options.text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length !== 10) {
    throw new UserError(
      'E_DATASET_CORRUPT',
      `${options.source} lists ${names.length} class names, CIFAR-10 has 10; the archive is not CIFAR-10 — check the file`,
    );
  }
  return names;
}
