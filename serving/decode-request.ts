/**
 * Turns an `/invocations` request body into uint8 NHWC pixels, checking everything a client can get
 * wrong. Accepted bodies:
 * - `application/json`: `{"instances": [image, ...]}`, `{"instances": image}`, or a bare image or list of
 *   images, where an image is a 32×32×3 nested array (rows, columns, RGB) of integers 0–255;
 * - `image/png`, `image/jpeg` (`image/jpg`), `application/x-image` (PNG or JPEG, recognised by its
 *   magic bytes): one 32×32 image; grey and alpha channels are accepted (grey is replicated to RGB,
 *   alpha is ignored). Images are never resized: resizing would silently change what the model sees.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_HEIGHT, IMAGE_WIDTH } from '../datasets/types.js';
import { ServingError } from './errors.js';

/** Media types `/invocations` accepts, for error messages and docs. */
export const ACCEPTED_CONTENT_TYPES = [
  'application/json',
  'image/png',
  'image/jpeg',
  'application/x-image',
] as const;

/** Options of {@link decodeInvocation}. */
export interface DecodeInvocationOptions {
  /** The raw request body. */
  body: Buffer;
  /** The request's `Content-Type` header, parameters (e.g. `; charset=utf-8`) allowed. */
  contentType: string | undefined;
  /** Most images one request may hold. */
  maxBatch: number;
}

/** Decoded images: `count × 32 × 32 × 3` bytes, NHWC, RGB. */
export interface DecodedImages {
  images: Uint8Array;
  count: number;
}

/** Decodes and validates one request body. @throws ServingError with a code saying what was wrong. */
export function decodeInvocation(options: DecodeInvocationOptions): DecodedImages {
  const mediaType = (options.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!mediaType) {
    throw new ServingError(
      'E_UNSUPPORTED_MEDIA_TYPE',
      `missing Content-Type header; send one of ${ACCEPTED_CONTENT_TYPES.join(', ')}`,
    );
  }
  if (!(ACCEPTED_CONTENT_TYPES as readonly string[]).includes(mediaType) && mediaType !== 'image/jpg') {
    throw new ServingError(
      'E_UNSUPPORTED_MEDIA_TYPE',
      `Content-Type "${mediaType}" is not supported; send one of ${ACCEPTED_CONTENT_TYPES.join(', ')}`,
    );
  }
  if (options.body.length === 0)
    throw new ServingError('E_EMPTY_BODY', `the request body is empty; send ${mediaType} content`);
  if (mediaType === 'application/json') return decodeJson(options.body, options.maxBatch);
  const kind = sniffImage(options.body);
  if (mediaType === 'image/png' && kind !== 'png')
    throw new ServingError('E_BAD_IMAGE', 'the body is not a PNG image (no PNG signature)');
  if ((mediaType === 'image/jpeg' || mediaType === 'image/jpg') && kind !== 'jpeg')
    throw new ServingError('E_BAD_IMAGE', 'the body is not a JPEG image (no JPEG SOI marker)');
  if (kind === undefined) throw new ServingError('E_BAD_IMAGE', 'the body is neither a PNG nor a JPEG image');
  return { images: kind === 'png' ? decodePng(options.body) : decodeJpeg(options.body), count: 1 };
}

function sniffImage(body: Buffer): 'png' | 'jpeg' | undefined {
  if (body.length >= 8 && body.readUInt32BE(0) === 0x89504e47 && body.readUInt32BE(4) === 0x0d0a1a0a)
    return 'png';
  if (body.length >= 3 && body[0] === 0xff && body[1] === 0xd8 && body[2] === 0xff) return 'jpeg';
  return undefined;
}

function wrongSize(width: number, height: number): ServingError {
  return new ServingError(
    'E_IMAGE_SIZE',
    `the image is ${width}×${height}; the model takes ${IMAGE_WIDTH}×${IMAGE_HEIGHT} images (resize it before sending; the server does not resize)`,
  );
}

function decodePng(body: Buffer): Uint8Array {
  // Check the IHDR size before inflating, so a small file cannot expand into a huge bitmap.
  if (body.length >= 24) {
    const width = body.readUInt32BE(16);
    const height = body.readUInt32BE(20);
    if (width !== IMAGE_WIDTH || height !== IMAGE_HEIGHT) throw wrongSize(width, height);
  }
  let png: { width: number; height: number; data: Buffer };
  try {
    png = PNG.sync.read(body); // always RGBA 8-bit: grey is expanded, 16-bit is rescaled
  } catch (error) {
    throw new ServingError('E_BAD_IMAGE', `the PNG image could not be decoded (${(error as Error).message})`);
  }
  if (png.width !== IMAGE_WIDTH || png.height !== IMAGE_HEIGHT) throw wrongSize(png.width, png.height);
  return rgbaToRgb(png.data);
}

function decodeJpeg(body: Buffer): Uint8Array {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    // The limits stop a small file from claiming a huge bitmap; a 32×32 image is far below them.
    image = jpeg.decode(body, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: 1,
      maxMemoryUsageInMB: 32,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/limit/i.test(message))
      throw new ServingError(
        'E_IMAGE_SIZE',
        `the JPEG image is far larger than ${IMAGE_WIDTH}×${IMAGE_HEIGHT} (${message})`,
      );
    throw new ServingError('E_BAD_IMAGE', `the JPEG image could not be decoded (${message})`);
  }
  if (image.width !== IMAGE_WIDTH || image.height !== IMAGE_HEIGHT)
    throw wrongSize(image.width, image.height);
  return rgbaToRgb(image.data);
}

function rgbaToRgb(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array(IMAGE_BYTES);
  for (let p = 0, q = 0; q < IMAGE_BYTES; p += 4, q += 3) {
    out[q] = rgba[p]!;
    out[q + 1] = rgba[p + 1]!;
    out[q + 2] = rgba[p + 2]!;
  }
  return out;
}

function decodeJson(body: Buffer, maxBatch: number): DecodedImages {
  const text = body.toString('utf8');
  if (text.trim() === '')
    throw new ServingError(
      'E_EMPTY_BODY',
      'the request body is empty (only whitespace); send {"instances": [...]}',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ServingError('E_INVALID_JSON', `the body is not valid JSON (${(error as Error).message})`);
  }
  let instances: unknown;
  let where: string;
  if (Array.isArray(parsed)) {
    instances = parsed;
    where = '$';
  } else if (typeof parsed === 'object' && parsed !== null && 'instances' in parsed) {
    instances = (parsed as { instances: unknown }).instances;
    where = 'instances';
  } else {
    throw new ServingError(
      'E_BAD_INSTANCES',
      'expected a JSON object {"instances": [...]} (or a bare array of images); found no "instances" field',
    );
  }
  if (!Array.isArray(instances))
    throw new ServingError(
      'E_BAD_INSTANCES',
      `"${where}" must be an array of 32×32×3 images, got ${typeName(instances)}`,
    );
  if (instances.length === 0)
    throw new ServingError('E_BAD_INSTANCES', `"${where}" is empty; send at least one image`);
  // A single image is three levels deep (rows, pixels, channels); a list of images four.
  const isSingle = !Array.isArray(firstAt(firstAt(instances[0])));
  const list: unknown[] = isSingle ? [instances] : instances;
  if (list.length > maxBatch) {
    throw new ServingError(
      'E_TOO_MANY_INSTANCES',
      `the request holds ${list.length} images; at most ${maxBatch} are accepted per request (split it into several requests)`,
    );
  }
  const images = new Uint8Array(list.length * IMAGE_BYTES);
  list.forEach((image, i) => copyImage(image, isSingle ? where : `${where}[${i}]`, images, i * IMAGE_BYTES));
  return { images, count: list.length };
}

function copyImage(image: unknown, where: string, out: Uint8Array, offset: number): void {
  const expectShape = `an image must be a ${IMAGE_HEIGHT}×${IMAGE_WIDTH}×${IMAGE_CHANNELS} nested array (rows of pixels of [r, g, b])`;
  if (!Array.isArray(image) || image.length !== IMAGE_HEIGHT) {
    throw new ServingError(
      'E_BAD_SHAPE',
      `${where}: expected ${IMAGE_HEIGHT} rows, got ${describeLength(image)}; ${expectShape}`,
    );
  }
  let o = offset;
  for (let y = 0; y < IMAGE_HEIGHT; y++) {
    const row: unknown = image[y];
    if (!Array.isArray(row) || row.length !== IMAGE_WIDTH) {
      throw new ServingError(
        'E_BAD_SHAPE',
        `${where}[${y}]: expected ${IMAGE_WIDTH} pixels, got ${describeLength(row)}; ${expectShape}`,
      );
    }
    for (let x = 0; x < IMAGE_WIDTH; x++) {
      const pixel: unknown = row[x];
      if (!Array.isArray(pixel) || pixel.length !== IMAGE_CHANNELS) {
        throw new ServingError(
          'E_BAD_SHAPE',
          `${where}[${y}][${x}]: expected ${IMAGE_CHANNELS} channel values, got ${describeLength(pixel)}; ${expectShape}`,
        );
      }
      for (let c = 0; c < IMAGE_CHANNELS; c++) {
        const value: unknown = pixel[c];
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
          throw new ServingError(
            'E_BAD_PIXEL',
            `${where}[${y}][${x}][${c}] is ${JSON.stringify(value)}; pixel values must be integers 0–255 (raw bytes; the server applies the training preprocessing)`,
          );
        }
        out[o++] = value;
      }
    }
  }
}

function firstAt(value: unknown): unknown {
  return Array.isArray(value) ? (value as unknown[])[0] : undefined;
}

function describeLength(value: unknown): string {
  return Array.isArray(value) ? `an array of length ${value.length}` : typeName(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
