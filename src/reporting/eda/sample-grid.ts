/** Sample images as PNG: one row per class, upscaled with nearest-neighbour so pixels stay visible. */
import fs from 'node:fs/promises';
import { PNG } from 'pngjs';
import { IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from '../../datasets/types.js';

/** Options of {@link renderImageGrid}. */
export interface ImageGridOptions {
  /** NHWC uint8 pixels of a store. */
  images: Uint8Array;
  /** Store indices per row (rows may differ in length; short rows leave blank tiles). */
  rows: Int32Array[];
  /** Upscaling factor per image side. @default 4 */
  scale?: number;
  /** Gap between tiles, in output pixels. @default 2 */
  gap?: number;
}

/** Encodes the grid as PNG bytes (white background and gaps). */
export function renderImageGrid(options: ImageGridOptions): Buffer {
  const { images, rows } = options;
  const scale = options.scale ?? 4;
  const gap = options.gap ?? 2;
  const columns = Math.max(1, ...rows.map((row) => row.length));
  const tileW = IMAGE_WIDTH * scale;
  const tileH = IMAGE_HEIGHT * scale;
  const width = gap + columns * (tileW + gap);
  const height = gap + Math.max(1, rows.length) * (tileH + gap);
  const png = new PNG({ width, height });
  png.data.fill(255);
  rows.forEach((row, r) => {
    row.forEach((index, col) => {
      const left = gap + col * (tileW + gap);
      const top = gap + r * (tileH + gap);
      const base = index * IMAGE_BYTES;
      for (let y = 0; y < tileH; y += 1) {
        const srcRow = base + Math.floor(y / scale) * IMAGE_WIDTH * IMAGE_CHANNELS;
        for (let x = 0; x < tileW; x += 1) {
          const src = srcRow + Math.floor(x / scale) * IMAGE_CHANNELS;
          const dst = ((top + y) * width + left + x) * 4;
          png.data[dst] = images[src] as number;
          png.data[dst + 1] = images[src + 1] as number;
          png.data[dst + 2] = images[src + 2] as number;
          png.data[dst + 3] = 255;
        }
      }
    });
  });
  return PNG.sync.write(png);
}

/** Renders and writes the grid to `file`. */
export async function writeImageGrid(options: ImageGridOptions & { file: string }): Promise<void> {
  await fs.writeFile(options.file, renderImageGrid(options));
}
