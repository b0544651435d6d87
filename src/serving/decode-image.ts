/**
 * Decodes one PNG or JPEG request body into the pixels of a model's H×W×C image input (uint8, HWC).
 * Images are never resized: resizing would silently change what the model sees. Channels: C = 3
 * takes RGB (grey is replicated, alpha ignored), C = 4 RGBA (opaque when the image has no alpha),
 * C = 1 a grey image (every pixel R = G = B; a colour image is refused rather than converted).
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ServingError } from './errors.js';
import type { ImageInput } from './served-model.js';

/** Largest image accepted for an input of open height or width (decoded as RGBA: 64 MB). */
const MAX_OPEN_SIZE_PIXELS = 16 * 1024 * 1024;

/** A decoded image: `height × width × channels` bytes. */
export interface DecodedImage {
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: 1 | 3 | 4;
}

/** The image format of a body by its magic bytes. */
export function sniffImage(body: Buffer): 'png' | 'jpeg' | undefined {
  if (body.length >= 8 && body.readUInt32BE(0) === 0x89504e47 && body.readUInt32BE(4) === 0x0d0a1a0a)
    return 'png';
  if (body.length >= 3 && body[0] === 0xff && body[1] === 0xd8 && body[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Decodes `body` (PNG or JPEG, as `kind`) for `input`. @throws ServingError E_BAD_IMAGE, E_IMAGE_SIZE, E_IMAGE_CHANNELS */
export function decodeImage(body: Buffer, kind: 'png' | 'jpeg', input: ImageInput): DecodedImage {
  const rgba = kind === 'png' ? decodePng(body, input) : decodeJpeg(body, input);
  checkSize(rgba.width, rgba.height, input);
  return {
    pixels: fromRgba(rgba.data, rgba.width, rgba.height, input.channels),
    height: rgba.height,
    width: rgba.width,
    channels: input.channels,
  };
}

/** Pixels an image may have before it is refused unread: the input's own size, or the cap for open sizes. */
function maxPixels(input: ImageInput): number {
  return input.height !== null && input.width !== null ? input.height * input.width : MAX_OPEN_SIZE_PIXELS;
}

function expectedSize(input: ImageInput): string {
  return `${input.width ?? 'any width'}×${input.height ?? 'any height'}`;
}

function checkSize(width: number, height: number, input: ImageInput): void {
  const fits =
    (input.width === null || width === input.width) &&
    (input.height === null || height === input.height) &&
    width * height <= maxPixels(input);
  if (fits) return;
  const bound =
    input.width === null || input.height === null ? ` of at most ${MAX_OPEN_SIZE_PIXELS} pixels` : '';
  throw new ServingError(
    'E_IMAGE_SIZE',
    `the image is ${width}×${height}; the model takes ${expectedSize(input)} images${bound} (resize it before sending; the server does not resize)`,
    { field: 'body', expected: `${expectedSize(input)} image`, got: `${width}×${height} image` },
  );
}

function decodePng(body: Buffer, input: ImageInput): { width: number; height: number; data: Uint8Array } {
  // Check the IHDR size before inflating, so a small file cannot expand into a huge bitmap.
  if (body.length >= 24) checkSize(body.readUInt32BE(16), body.readUInt32BE(20), input);
  try {
    return PNG.sync.read(body); // always RGBA 8-bit: grey is expanded, 16-bit is rescaled
  } catch (error) {
    throw new ServingError('E_BAD_IMAGE', `the PNG image could not be decoded (${(error as Error).message})`);
  }
}

/** The size a JPEG's frame header (SOFn) declares, found by walking its markers; undefined if none is found. */
function jpegFrameSize(body: Buffer): { width: number; height: number } | undefined {
  let p = 2; // after SOI
  while (p + 9 <= body.length) {
    if (body[p] !== 0xff) return undefined;
    const marker = body[p + 1]!;
    if (marker === 0xff) {
      p += 1; // fill byte
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: body.readUInt16BE(p + 5), width: body.readUInt16BE(p + 7) };
    if (marker === 0xda) return undefined; // scan data before any frame header
    p += marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) ? 2 : 2 + body.readUInt16BE(p + 2);
  }
  return undefined;
}

function decodeJpeg(body: Buffer, input: ImageInput): { width: number; height: number; data: Uint8Array } {
  // As for PNG: refuse a size that does not fit before decoding anything (jpeg-js would decode up to
  // its megapixel limit, tens of MB, before the size could be checked).
  const frame = jpegFrameSize(body);
  if (frame) checkSize(frame.width, frame.height, input);
  const megapixels = Math.max(1, (2 * maxPixels(input)) / 1e6);
  try {
    // The limits stop a small file from claiming a huge bitmap; the expected size is well below them.
    return jpeg.decode(body, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: megapixels,
      maxMemoryUsageInMB: Math.max(32, Math.ceil((megapixels * 1e6 * 8) / 2 ** 20)),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/limit/i.test(message))
      throw new ServingError(
        'E_IMAGE_SIZE',
        `the JPEG image is far larger than ${expectedSize(input)} (${message})`,
        { field: 'body', expected: `${expectedSize(input)} image` },
      );
    throw new ServingError('E_BAD_IMAGE', `the JPEG image could not be decoded (${message})`);
  }
}

function fromRgba(rgba: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Uint8Array {
  const pixels = width * height;
  if (channels === 4) return rgba.subarray(0, pixels * 4);
  const out = new Uint8Array(pixels * channels);
  for (let p = 0, q = 0; q < out.length; p += 4, q += channels) {
    if (channels === 3) {
      out[q] = rgba[p]!;
      out[q + 1] = rgba[p + 1]!;
      out[q + 2] = rgba[p + 2]!;
    } else if (rgba[p] === rgba[p + 1] && rgba[p] === rgba[p + 2]) {
      out[q] = rgba[p]!;
    } else {
      const pixel = p / 4;
      throw new ServingError(
        'E_IMAGE_CHANNELS',
        `the image has colour (pixel x=${pixel % width}, y=${Math.floor(pixel / width)} is RGB ${rgba[p]}, ${rgba[p + 1]}, ${rgba[p + 2]}); the model takes 1-channel grey images: convert it to greyscale before sending (the server does not convert)`,
        { field: 'body', expected: 'a grey image (1 channel)', got: 'a colour image (3 channels)' },
      );
    }
  }
  return out;
}
