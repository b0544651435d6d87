/** Builds tiny CIFAR-10-layout files with known pixels for the dataset tests. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { c as createTar } from 'tar';

export const TINY_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Value of channel c at pixel p of record r in file f: distinct and predictable. */
export function tinyPixel(options: { file: number; record: number; channel: number; pixel: number }): number {
  const { file, record, channel, pixel } = options;
  return (file * 53 + record * 31 + channel * 7 + pixel) % 256;
}

/** Records of one batch file: labels cycle 0..9 (shifted per file), planes from tinyPixel. */
export function tinyBatch(options: { file: number; records: number }): Buffer {
  const { file, records } = options;
  const out = Buffer.alloc(records * 3073);
  for (let r = 0; r < records; r += 1) {
    out[r * 3073] = (r + file) % 10;
    for (let c = 0; c < 3; c += 1) {
      for (let p = 0; p < 1024; p += 1)
        out[r * 3073 + 1 + c * 1024 + p] = tinyPixel({ file, record: r, channel: c, pixel: p });
    }
  }
  return out;
}

/** Writes `root/cifar-10-batches-bin/` with 5 train files and a test file of `records` records each. */
export async function writeTinyFolder(options: {
  root: string;
  records: number;
  omit?: string;
}): Promise<string> {
  const folder = path.join(options.root, 'cifar-10-batches-bin');
  await fs.mkdir(folder, { recursive: true });
  const names = [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
    'test_batch.bin',
  ];
  for (const [file, name] of names.entries()) {
    if (name !== options.omit)
      await fs.writeFile(path.join(folder, name), tinyBatch({ file, records: options.records }));
  }
  if (options.omit !== 'batches.meta.txt')
    await fs.writeFile(path.join(folder, 'batches.meta.txt'), `${TINY_CLASS_NAMES.join('\n')}\n\n`);
  return folder;
}

/** Writes a tiny folder and packs it as `root/cifar-10-binary.tar.gz`. */
export async function writeTinyArchive(options: {
  root: string;
  records: number;
  omit?: string;
}): Promise<string> {
  await writeTinyFolder(options);
  const file = path.join(options.root, 'cifar-10-binary.tar.gz');
  await createTar({ gzip: true, file, cwd: options.root }, ['cifar-10-batches-bin']);
  return file;
}
